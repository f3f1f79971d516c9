package dev.berth.image;

import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;
import dev.berth.oci.spec.image.Digest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code layers/<diff id hex>/}: unpacked layers, each unpacked once and shared read-only.
 *
 * <p>A layer dir holds {@code diff/} (the content), {@code link} (its short name) and {@code size}. It
 * is built in {@code tmp/} and renamed into place, so a registered layer is always complete.
 * {@code l/<short>} is a relative symlink to {@code ../layers/<hex>/diff}, as containers/storage does:
 * overlay's lowerdir option is one page, and full layer paths fill it after a few dozen layers.
 */
final class LayerStore {
    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    private static final int SHORT_NAME_LENGTH = 10;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    private final Path layers;
    private final Path links;
    private final Path tmp;
    private final LayerUnpacker unpacker;
    /** One lock per diff id being unpacked: concurrent imports sharing a layer unpack it once. */
    private final ConcurrentHashMap<Digest, Object> unpackLocks = new ConcurrentHashMap<>();

    LayerStore(Path root, Path tmp, LayerUnpacker unpacker) {
        this.layers = root.resolve("layers");
        this.links = root.resolve("l");
        this.tmp = tmp;
        this.unpacker = unpacker;
    }

    void init() throws IOException {
        PrivateDirs.ensure(layers);
        // Each layer dir is made 0700 (a temp dir renamed into place); older releases' are tightened here.
        PrivateDirs.ensureEach(layers);
        Files.createDirectories(links);
        // A crash between creating a link and renaming its layer into place leaves a dangling link.
        try (var s = Files.list(links)) {
            for (Path l : (Iterable<Path>) s::iterator) {
                if (Files.isSymbolicLink(l) && !Files.exists(l)) {
                    Files.deleteIfExists(l);
                }
            }
        }
    }

    Path dir(Digest diffId) {
        return layers.resolve(diffId.hex());
    }

    boolean has(Digest diffId) {
        return Files.isDirectory(dir(diffId).resolve("diff"));
    }

    /** The short path overlay should use for the layer: {@code <root>/l/<short>}. */
    Path linkPath(Digest diffId) {
        try {
            String name = Files.readString(dir(diffId).resolve("link"), StandardCharsets.UTF_8).trim();
            return links.resolve(name);
        } catch (IOException e) {
            throw new BerthException(BerthException.Kind.NOT_FOUND, "layer " + diffId + " is missing from the store", e);
        }
    }

    /**
     * The layer's size as unpacked, from its {@code size} file; a missing or damaged one is counted again from
     * the layer's files (their sizes: close to the tar's), written back, and named in the log.
     */
    long size(Digest diffId) {
        Path file = dir(diffId).resolve("size");
        try {
            return Long.parseLong(Files.readString(file, StandardCharsets.UTF_8).trim());
        } catch (IOException | NumberFormatException e) {
            long counted = countedSize(dir(diffId).resolve("diff"));
            System.getLogger(LayerStore.class.getName()).log(System.Logger.Level.WARNING,
                    "layer " + diffId + ": its size file " + file + " is unreadable (" + e.getMessage()
                            + "): counted again from its files, " + counted + " bytes");
            try {
                OciJson.writeAtomically(file, Long.toString(counted).getBytes(StandardCharsets.UTF_8));
            } catch (RuntimeException writeFailed) {
                System.getLogger(LayerStore.class.getName()).log(System.Logger.Level.WARNING,
                        "layer " + diffId + ": rewrite " + file + ": " + writeFailed.getMessage());
            }
            return counted;
        }
    }

    private static long countedSize(Path diff) {
        try (Stream<Path> files = Files.walk(diff)) {
            return files.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS))
                    .mapToLong(f -> f.toFile().length()).sum();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    interface BlobOpener {
        InputStream open() throws IOException;
    }

    /**
     * Unpacks the layer blob unless the layer is already there; checks the content against {@code diffId}.
     * Returns true when this call created the layer.
     */
    boolean ensure(Digest diffId, Digest blobDigest, BlobOpener blob) {
        if (has(diffId)) {
            return false;
        }
        Object lock = unpackLocks.computeIfAbsent(diffId, k -> new Object());
        synchronized (lock) {
            try {
                if (has(diffId)) {
                    return false;
                }
                return unpack(diffId, blobDigest, blob);
            } finally {
                unpackLocks.remove(diffId, lock);
            }
        }
    }

    private boolean unpack(Digest diffId, Digest blobDigest, BlobOpener blob) {
        String op = "unpack layer " + blobDigest;
        Path work = null;
        Path link = null;
        try {
            work = Files.createTempDirectory(tmp, "layer-");
            Path diff = work.resolve("diff");
            Files.createDirectory(diff);
            LayerUnpacker.Result result;
            try (InputStream in = blob.open()) {
                result = unpacker.unpack(in, diff, blobDigest.toString());
            }
            if (!result.diffId().equals(diffId)) {
                throw BerthException.invalid(op + ": diff_id mismatch: the image config says " + diffId
                        + ", the uncompressed content is " + result.diffId());
            }
            Files.writeString(work.resolve("size"), Long.toString(result.tarSize()));
            link = newLink(diffId);
            Files.writeString(work.resolve("link"), link.getFileName().toString());
            Files.move(work, dir(diffId), StandardCopyOption.ATOMIC_MOVE);
            work = null;
            link = null;
            return true;
        } catch (IOException e) {
            throw BerthException.internal(op + ": " + e.getMessage(), e);
        } finally {
            cleanup(work, link);
        }
    }

    private static void cleanup(Path work, Path link) {
        try {
            if (link != null) Files.deleteIfExists(link);
            if (work != null) LayerUnpacker.deleteTree(work);
        } catch (IOException e) {
            System.getLogger(LayerStore.class.getName()).log(System.Logger.Level.WARNING,
                    "remove partial layer " + work + ": " + e.getMessage());
        }
    }

    private Path newLink(Digest diffId) throws IOException {
        Path target = Path.of("..", "layers", diffId.hex(), "diff");
        for (int attempt = 0; ; attempt++) {
            char[] name = new char[SHORT_NAME_LENGTH];
            for (int i = 0; i < name.length; i++) name[i] = BASE32[RANDOM.nextInt(BASE32.length)];
            Path link = links.resolve(new String(name));
            try {
                return Files.createSymbolicLink(link, target);
            } catch (FileAlreadyExistsException e) {
                if (attempt > 10) throw e;
            }
        }
    }

    /** Every layer dir; a half-made one never gets here (it is built in tmp/). */
    List<Digest> all() throws IOException {
        return digestsNamedIn(layers);
    }

    /** The sha256 digests that the entries of {@code dir} are named after ({@code <64 hex>}). */
    static List<Digest> digestsNamedIn(Path dir) throws IOException {
        List<Digest> out = new ArrayList<>();
        try (var s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String name = p.getFileName().toString();
                if (HEX64.matcher(name).matches()) {
                    out.add(Digest.parse(Digest.SHA256 + ":" + name));
                }
            }
        }
        return out;
    }

    /**
     * Removes a layer: link first, then the dir is renamed out of {@code layers/} before it is deleted.
     * Returns the layer's size (its tar's), 0 when it was not there.
     */
    long delete(Digest diffId) throws IOException {
        Path d = dir(diffId);
        if (!Files.exists(d)) return 0;
        long size = size(diffId);
        try {
            Files.deleteIfExists(linkPath(diffId));
        } catch (BerthException missingLinkFile) {
            // half-made layer: the dir goes anyway
        }
        Path doomed = tmp.resolve("removed-" + diffId.hex() + "-" + System.nanoTime());
        Files.move(d, doomed, StandardCopyOption.ATOMIC_MOVE);
        LayerUnpacker.deleteTree(doomed);
        return size;
    }
}
