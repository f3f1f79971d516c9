package dev.berth.image;

import dev.berth.oci.spec.image.Descriptor;
import dev.berth.oci.spec.image.ImageConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The image of a pod's infra container: one static {@code /pause} binary (berth-pause) and the mount points
 * runc needs, so pods work with no registry at all. Deterministic for a given binary.
 */
public final class PauseImage {
    public static final String REF_NAME = "latest";

    private PauseImage() {}

    /** Writes the layout into {@code layoutDir}; returns the manifest descriptor. */
    public static Descriptor write(Path layoutDir, Path pauseBinary) throws IOException {
        OciLayoutWriter w = new OciLayoutWriter(layoutDir);
        w.addLayer(List.of(
                OciLayoutWriter.Entry.dir("dev", 0755),
                OciLayoutWriter.Entry.dir("etc", 0755),
                OciLayoutWriter.Entry.dir("proc", 0555),
                OciLayoutWriter.Entry.dir("sys", 0555),
                OciLayoutWriter.Entry.file("pause", Files.readAllBytes(pauseBinary), 0755)));
        ImageConfig.Config config = new ImageConfig.Config("65535:65535", null, null, List.of("/pause"), null,
                null, "/", null, null);
        return w.writeImage(new ImageConfig(null, null, "amd64", "linux", null, config, null, null), REF_NAME);
    }
}
