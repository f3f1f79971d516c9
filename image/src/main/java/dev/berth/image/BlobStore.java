package dev.berth.image;

import dev.berth.oci.BerthException;
import dev.berth.oci.spec.image.Digest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code blobs/sha256/<hex>}: content-addressed blobs. A blob is written to {@code partial/<hex>}, its size and
 * digest checked while streaming, fsynced, then renamed into place, so a present blob is always whole and
 * correct. A download cut off (a registry gone mid-blob, a crash) leaves its partial file, and the next
 * ingest of that blob resumes after the bytes already there: it hashes them again and asks its source for
 * the rest; a source that can only start over (a registry ignoring Range) gets the file truncated.
 * Partial files outlive a restart of the store and are deleted by {@link #deletePartials()} (prune).
 * One ingest per digest at a time. A {@link Tap} sees the bytes as they go to the partial file, for a
 * consumer that starts on a blob before it is whole (the pull's unpacker).
 */
final class BlobStore {
    private static final int BUFFER = 1 << 16;
    private static final System.Logger LOG = System.getLogger(BlobStore.class.getName());

    /** Where a blob's bytes come from: its content from {@code offset} on, or from 0 if it cannot skip. */
    interface Source {
        Content open(long offset) throws IOException;
    }

    /** A blob's content starting at byte {@code offset}. */
    record Content(InputStream in, long offset) {}

    /**
     * Sees a blob's bytes in order as they are written to its partial file, and again from 0 when a later
     * ingest resumes the file (it re-reads what is there), so {@code offset} may go back to bytes already seen.
     */
    interface Tap {
        Tap NONE = new Tap() {
            @Override
            public void bytes(long offset, byte[] b, int off, int len) {}

            @Override
            public void startOver() {}
        };

        void bytes(long offset, byte[] b, int off, int len);

        /** The partial file was truncated or deleted: the bytes seen so far may not be this blob's. */
        void startOver();
    }

    private final Path dir;
    private final Path partialDir;
    private final ConcurrentHashMap<Digest, Object> ingestLocks = new ConcurrentHashMap<>();

    BlobStore(Path root) {
        this.dir = root.resolve("blobs").resolve(Digest.SHA256);
        this.partialDir = root.resolve("partial");
    }

    void init() throws IOException {
        Files.createDirectories(dir);
        Files.createDirectories(partialDir);
    }

    Path path(Digest d) {
        if (!Digest.SHA256.equals(d.algorithm())) {
            throw BerthException.invalid("blob " + d + ": only sha256 blobs are stored");
        }
        return dir.resolve(d.hex());
    }

    Path partialPath(Digest d) {
        return partialDir.resolve(path(d).getFileName());
    }

    boolean has(Digest d) {
        return Files.isRegularFile(path(d));
    }

    /** A whole stream as a source that always starts over. */
    static Source fromStart(InputStream in) {
        return offset -> new Content(in, 0);
    }

    /**
     * Stores the blob {@code expected} with {@code expectedSize} bytes from {@code source}, resuming a partial
     * download of it; returns true when this call created it. A size or digest mismatch is INVALID_ARGUMENT
     * and deletes the partial file; an UNAVAILABLE source (connection lost) keeps it for the next attempt.
     * A resumed download whose digest does not match starts over once: the bytes kept may be what broke it.
     */
    boolean ingest(Source source, Digest expected, long expectedSize, String op) {
        return ingest(source, expected, expectedSize, op, Tap.NONE);
    }

    /** {@link #ingest(Source, Digest, long, String)}, showing the bytes to {@code tap} as they are written. */
    boolean ingest(Source source, Digest expected, long expectedSize, String op, Tap tap) {
        Path target = path(expected);
        if (Files.isRegularFile(target)) {
            return false;
        }
        Object lock = ingestLocks.computeIfAbsent(expected, k -> new Object());
        synchronized (lock) {
            try {
                if (Files.isRegularFile(target)) {
                    return false;
                }
                Path partial = partialPath(expected);
                if (!download(source, partial, expected, expectedSize, op, tap)) {
                    LOG.log(System.Logger.Level.WARNING, op + ": blob " + expected
                            + " did not verify after resuming its partial download; downloading it again");
                    download(source, partial, expected, expectedSize, op, tap);
                }
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                return true;
            } catch (IOException e) {
                deleteQuietly(partialPath(expected));
                // The path says which disk: the store's, which may not be where the rest of berthd writes.
                throw BerthException.internal(op + ": store blob " + expected + " in " + partialPath(expected)
                        + ": " + BerthException.describe(e), e);
            } finally {
                ingestLocks.remove(expected, lock);
            }
        }
    }

    /**
     * Completes {@code partial} from {@code source} and checks it. Returns false (partial deleted) when the
     * digest does not match content that was resumed; throws when it does not match content read whole.
     */
    private boolean download(Source source, Path partial, Digest expected, long expectedSize, String op, Tap tap)
            throws IOException {
        MessageDigest sha = Sha256.newDigest();
        long have = hashPartial(partial, expectedSize, sha, tap);
        boolean verified = false;
        boolean connectionLost = false;
        boolean resumed = false;
        try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            Content content = source.open(have);
            try (InputStream in = content.in()) {
                if (content.offset() != have) {
                    LOG.log(System.Logger.Level.DEBUG, op + ": blob " + expected + ": the source starts over at byte "
                            + content.offset() + " instead of resuming at " + have);
                    have = 0;
                    sha.reset();
                    ch.truncate(0);
                    tap.startOver();
                }
                resumed = have > 0;
                ch.position(have);
                long total = copy(in, ch, sha, tap, have, expected, expectedSize, op);
                ch.force(true);
                if (total != expectedSize) {
                    throw BerthException.invalid(op + ": blob " + expected + " has " + total
                            + " bytes, its descriptor says " + expectedSize);
                }
            }
            Digest actual = Digest.sha256Of(sha);
            if (!actual.equals(expected)) {
                if (resumed) {
                    return false;
                }
                throw BerthException.invalid(op + ": blob digest mismatch: expected " + expected + ", content is " + actual);
            }
            verified = true;
            return true;
        } catch (BerthException e) {
            connectionLost = e.kind() == BerthException.Kind.UNAVAILABLE;
            throw e;
        } finally {
            // A lost connection keeps the bytes written so far: the next attempt resumes after them.
            boolean resumable = connectionLost && partial.toFile().length() > 0;
            if (!verified && !resumable) {
                deleteQuietly(partial);
                tap.startOver();
            }
        }
    }

    /** Feeds what {@code partial} holds to {@code sha}; returns its length (0 when missing or too long). */
    private static long hashPartial(Path partial, long expectedSize, MessageDigest sha, Tap tap) throws IOException {
        long have;
        try {
            have = Files.size(partial);
        } catch (NoSuchFileException e) {
            return 0;
        }
        if (have >= expectedSize) {
            // Too long to be a prefix of this blob (or whole, yet never moved into place): start over.
            Files.delete(partial);
            tap.startOver();
            return 0;
        }
        try (InputStream in = Files.newInputStream(partial)) {
            byte[] buf = new byte[BUFFER];
            long at = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
                tap.bytes(at, buf, 0, n);
                at += n;
            }
        }
        return have;
    }

    private static long copy(InputStream in, FileChannel ch, MessageDigest sha, Tap tap, long start, Digest expected,
                             long expectedSize, String op) throws IOException {
        byte[] buf = new byte[BUFFER];
        long total = start;
        int n;
        while ((n = in.read(buf)) > 0) {
            total += n;
            if (total > expectedSize) {
                throw BerthException.invalid(op + ": blob " + expected + " is larger than its descriptor's "
                        + expectedSize + " bytes");
            }
            sha.update(buf, 0, n);
            ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
            while (bb.hasRemaining()) {
                ch.write(bb);
            }
            tap.bytes(total - n, buf, 0, n);
        }
        return total;
    }

    /** Deletes every partial download; the caller makes sure no ingest runs (the store's write lock). */
    long deletePartials() throws IOException {
        long freed = 0;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(partialDir)) {
            for (Path p : s) {
                freed += Files.size(p);
                Files.delete(p);
            }
        }
        return freed;
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "delete partial blob " + p + ": " + e.getMessage());
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

    /** Every stored blob (partial files live in partial/, so everything here is whole). */
    List<Digest> all() throws IOException {
        return LayerStore.digestsNamedIn(dir);
    }
}
