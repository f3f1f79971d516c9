package dev.berth.image;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;
import dev.berth.oci.spec.image.Digest;

import java.nio.file.Files;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** images.json: the list of image records, replaced atomically on every change. */
final class ImagesFile {
    static final int VERSION = 1;

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

    /**
     * The records; none when there is no file yet. INVALID_ARGUMENT naming the file when it cannot be
     * trusted: malformed, empty, of another version, or with a record missing its id or digests.
     */
    List<ImageRecord> load() {
        if (!Files.exists(file)) {
            return List.of();
        }
        Doc doc = OciJson.read(file, Doc.class);
        if (doc.version() != VERSION) {
            throw BerthException.invalid("read " + file + ": version " + doc.version() + ", this berthd reads version "
                    + VERSION);
        }
        List<ImageRecord> out = new ArrayList<>();
        if (doc.images() != null) {
            for (Stored s : doc.images()) {
                if (s == null || s.id() == null || s.manifestDigest() == null || s.configDigest() == null) {
                    throw BerthException.invalid("read " + file + ": a record without an id or digests: " + s);
                }
                try {
                    out.add(new ImageRecord(s.id(), s.names() == null ? List.of() : s.names(), s.manifestDigest(),
                            s.configDigest(), s.diffIds() == null ? List.of() : s.diffIds(), s.size(),
                            s.created() == null ? Instant.EPOCH : Instant.parse(s.created())));
                } catch (RuntimeException e) {
                    throw new BerthException(BerthException.Kind.INVALID_ARGUMENT,
                            "read " + file + ": bad record " + s.id() + ": " + e.getMessage(), e);
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
        OciJson.writeAtomically(file, new Doc(VERSION, stored));
    }

    /** Moves an unreadable file out of the way, kept for whoever wants its names back; returns where. */
    Path setAside() {
        Path aside = file.resolveSibling(file.getFileName() + ".broken");
        try {
            Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw BerthException.internal("move the unreadable " + file + " aside: " + e.getMessage(), e);
        }
        return aside;
    }
}
