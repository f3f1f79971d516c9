package dev.berth.image;

import dev.berth.oci.spec.image.ImageConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Helpers shared by the image module's tests, the fuzz targets in dev.berth.image.fuzz included. */
public final class TestSupport {
    private TestSupport() {}

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    static ImageConfig config() {
        return new ImageConfig(null, null, "amd64", "linux", null,
                new ImageConfig.Config(null, null, List.of("PATH=/bin"), null, List.of("sh"), null, null, null, null),
                null, null);
    }

    /** Writes a layout at {@code dir} with one image of the given layers under {@code ref}. */
    @SafeVarargs
    static Path layout(Path dir, String ref, List<OciLayoutWriter.Entry>... layers) {
        OciLayoutWriter w = new OciLayoutWriter(dir);
        for (List<OciLayoutWriter.Entry> l : layers) w.addLayer(l);
        w.writeImage(config(), ref);
        return dir;
    }

    /**
     * Path → type, size, mode and mtime of everything under {@code dir}, not following symlinks: two equal
     * snapshots around an operation mean it wrote nothing there.
     */
    public static TreeMap<String, String> snapshot(Path dir) throws IOException {
        TreeMap<String, String> out = new TreeMap<>();
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return out;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Map<String, Object> a = Files.readAttributes(p, "unix:mode,size,lastModifiedTime,uid,gid,nlink",
                        LinkOption.NOFOLLOW_LINKS);
                out.put(dir.relativize(p).toString(), String.format("mode=%o size=%s mtime=%s owner=%s:%s nlink=%s",
                        a.get("mode"), a.get("size"), a.get("lastModifiedTime"), a.get("uid"), a.get("gid"), a.get("nlink")));
            }
        }
        return out;
    }

    /** Sorted file names in {@code dir} (empty when missing). */
    public static List<String> list(Path dir) {
        if (!Files.exists(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    public static void deleteTree(Path p) {
        try {
            LayerUnpacker.deleteTree(p);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }
}
