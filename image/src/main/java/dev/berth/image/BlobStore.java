package dev.berth.image;

import dev.berth.oci.BerthException;
import dev.berth.oci.spec.image.Digest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.List;

/**
 * {@code blobs/sha256/<hex>}: content-addressed blobs. A blob is written to a temp file, its size and
 * digest checked while streaming, fsynced, then renamed into place, so a present blob is always whole
 * and correct. Writes of the same blob race harmlessly (same content, atomic rename).
 */
final class BlobStore {
    private final Path dir;
    private final Path tmp;

    BlobStore(Path root, Path tmp) {
        this.dir = root.resolve("blobs").resolve(Digest.SHA256);
        this.tmp = tmp;
    }

    void init() throws IOException {
        Files.createDirectories(dir);
    }

    Path path(Digest d) {
        if (!Digest.SHA256.equals(d.algorithm())) {
            throw BerthException.invalid("blob " + d + ": only sha256 blobs are stored");
        }
        return dir.resolve(d.hex());
    }

    boolean has(Digest d) {
        return Files.isRegularFile(path(d));
    }

    /**
     * Stores {@code in} as the blob {@code expected} with {@code expectedSize} bytes; returns true when this
     * call created it. A mismatch is INVALID_ARGUMENT and leaves nothing behind.
     */
    boolean ingest(InputStream in, Digest expected, long expectedSize, String op) {
        Path target = path(expected);
        if (Files.isRegularFile(target)) {
            return false;
        }
        Path temp = null;
        try {
            temp = Files.createTempFile(tmp, "blob-", ".part");
            MessageDigest sha = Digest.newSha256();
            long total = 0;
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE);
                 OutputStream out = Channels.newOutputStream(ch)) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) > 0) {
                    total += n;
                    if (total > expectedSize) {
                        throw BerthException.invalid(op + ": blob " + expected + " is larger than its descriptor's "
                                + expectedSize + " bytes");
                    }
                    sha.update(buf, 0, n);
                    out.write(buf, 0, n);
                }
                ch.force(true);
            }
            if (total != expectedSize) {
                throw BerthException.invalid(op + ": blob " + expected + " has " + total + " bytes, its descriptor says "
                        + expectedSize);
            }
            Digest actual = Digest.sha256Of(sha);
            if (!actual.equals(expected)) {
                throw BerthException.invalid(op + ": blob digest mismatch: expected " + expected + ", content is " + actual);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            temp = null;
            return true;
        } catch (IOException e) {
            throw BerthException.internal(op + ": store blob " + expected + ": " + e.getMessage(), e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // tmp/ is emptied when the store opens
                }
            }
        }
    }

    byte[] read(Digest d, long maxSize, String op) {
        Path p = path(d);
        try {
            long size = Files.size(p);
            if (size > maxSize) {
                throw BerthException.invalid(op + ": blob " + d + " is " + size + " bytes, over the " + maxSize + " limit");
            }
            return Files.readAllBytes(p);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new BerthException(BerthException.Kind.NOT_FOUND, op + ": blob " + d + " is missing from the store", e);
        } catch (IOException e) {
            throw BerthException.internal(op + ": read blob " + d + ": " + e.getMessage(), e);
        }
    }

    /** Deletes the blob; returns its size, 0 when it was not there. */
    long delete(Digest d) throws IOException {
        Path p = path(d);
        try {
            long size = Files.size(p);
            Files.delete(p);
            return size;
        } catch (NoSuchFileException e) {
            return 0;
        }
    }

    /** Every stored blob (temp files live in tmp/, so everything here is whole). */
    List<Digest> all() throws IOException {
        return LayerStore.digestsNamedIn(dir);
    }
}
