package dev.berth.image;

import dev.berth.oci.spec.image.ImageConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

final class TestSupport {
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

    /** Path → type and size of everything under {@code dir}, not following symlinks. */
    static TreeMap<String, String> snapshot(Path dir) throws IOException {
        TreeMap<String, String> out = new TreeMap<>();
        if (!Files.exists(dir)) return out;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String kind = Files.isSymbolicLink(p) ? "link" : Files.isDirectory(p) ? "dir" : "file:" + Files.size(p);
                out.put(dir.relativize(p).toString(), kind);
            }
        }
        return out;
    }

    /** Sorted file names in {@code dir} (empty when missing). */
    static List<String> list(Path dir) {
        if (!Files.exists(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    static void deleteTree(Path p) {
        try {
            LayerUnpacker.deleteTree(p);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }
}
