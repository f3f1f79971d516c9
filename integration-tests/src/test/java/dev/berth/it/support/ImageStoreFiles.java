package dev.berth.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/** Reads an image store's files (image/ module layout) as a test sees them. */
public final class ImageStoreFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ImageStoreFiles() {
    }

    /**
     * How blobs/ and layers/ differ from what images.json's images reference (manifests, configs, layers):
     * one line per difference, none when they match.
     */
    public static List<String> differencesFromReferenced(Path store) throws IOException {
        Set<String> blobs = new TreeSet<>();
        Set<String> layers = new TreeSet<>();
        JsonNode doc = JSON.readTree(store.resolve("images.json").toFile());
        for (JsonNode image : doc.get("images")) {
            String manifest = hex(image.get("manifestDigest").asText());
            blobs.add(manifest);
            blobs.add(hex(image.get("configDigest").asText()));
            image.get("diffIds").forEach(d -> layers.add(hex(d.asText())));
            JsonNode m = JSON.readTree(store.resolve("blobs/sha256").resolve(manifest).toFile());
            m.get("layers").forEach(l -> blobs.add(hex(l.get("digest").asText())));
        }
        List<String> out = new ArrayList<>();
        compare("blob", blobs, entries(store.resolve("blobs/sha256")), out);
        compare("layer", layers, entries(store.resolve("layers")), out);
        return out;
    }

    private static void compare(String what, Set<String> referenced, Set<String> present, List<String> out) {
        for (String p : present) {
            if (!referenced.contains(p)) {
                out.add(what + " " + p + " is referenced by no image");
            }
        }
        for (String r : referenced) {
            if (!present.contains(r)) {
                out.add(what + " " + r + " is referenced but missing");
            }
        }
    }

    public static String hex(String digest) {
        return digest.substring(digest.indexOf(':') + 1);
    }

    /** The names in {@code dir}, sorted; none when it does not exist. */
    public static Set<String> entries(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return Set.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return new TreeSet<>(s.map(p -> p.getFileName().toString()).toList());
        }
    }
}
