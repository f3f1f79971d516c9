package dev.berth.daemon.network;

import dev.berth.image.PrivateDirs;
import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One JSON file per attached pod, {@code <podId>.json} under the cache dir, written atomically (temp
 * file, fsync, rename) so a crash leaves the old or the new entry, never half of one.
 */
final class CniAttachmentCache {
    private final Path dir;

    CniAttachmentCache(Path dir) {
        this.dir = dir;
        try {
            PrivateDirs.ensure(dir);
        } catch (IOException e) {
            throw BerthException.internal("create CNI cache dir " + dir + ": " + e, e);
        }
    }

    /** The entry's file; {@code podId} was validated as a file name by the caller. */
    Path file(String podId) {
        return dir.resolve(podId + ".json");
    }

    void save(CniAttachment attachment) {
        OciJson.writeAtomically(file(attachment.podId()), attachment);
    }

    Optional<CniAttachment> load(String podId) {
        Path f = file(podId);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        return Optional.of(OciJson.read(f, CniAttachment.class));
    }

    /** Every entry, by file name order. */
    List<CniAttachment> list() {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted()
                    .map(f -> OciJson.read(f, CniAttachment.class)).toList();
        } catch (IOException e) {
            throw BerthException.internal("list CNI cache entries in " + dir + ": " + e, e);
        }
    }

    void remove(String podId) {
        Path f = file(podId);
        try {
            Files.deleteIfExists(f);
        } catch (IOException e) {
            throw BerthException.internal("remove CNI cache entry " + f + ": " + e, e);
        }
    }
}
