package dev.berth.image;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;
import dev.berth.oci.spec.image.Digest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** images.json: the list of image records, replaced atomically on every change. */
final class ImagesFile {
    /** On-disk form; created is kept as RFC 3339 text so the shared mapper needs no time module. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Stored(String id, List<String> names, Digest manifestDigest, Digest configDigest,
                  List<Digest> diffIds, long size, String created) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Doc(int version, List<Stored> images) {}

    private final Path file;

    ImagesFile(Path file) {
        this.file = file;
    }

    List<ImageRecord> load() {
        if (!Files.exists(file)) {
            return List.of();
        }
        Doc doc = OciJson.read(file, Doc.class);
        List<ImageRecord> out = new ArrayList<>();
        if (doc.images() != null) {
            for (Stored s : doc.images()) {
                try {
                    out.add(new ImageRecord(s.id(), s.names() == null ? List.of() : s.names(), s.manifestDigest(),
                            s.configDigest(), s.diffIds() == null ? List.of() : s.diffIds(), s.size(),
                            s.created() == null ? Instant.EPOCH : Instant.parse(s.created())));
                } catch (RuntimeException e) {
                    throw BerthException.internal("load image store " + file + ": bad record " + s.id() + ": " + e.getMessage(), e);
                }
            }
        }
        return out;
    }

    void save(List<ImageRecord> records) {
        List<Stored> stored = new ArrayList<>();
        for (ImageRecord r : records) {
            stored.add(new Stored(r.id(), r.names(), r.manifestDigest(), r.configDigest(), r.diffIds(), r.size(),
                    r.created().toString()));
        }
        OciJson.writeAtomically(file, new Doc(1, stored));
    }
}
