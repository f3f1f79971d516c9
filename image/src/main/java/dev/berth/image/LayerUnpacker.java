package dev.berth.image;

import dev.berth.oci.BerthException;
import dev.berth.oci.spec.image.Digest;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Unpacks one layer tar (gzip, zstd or uncompressed, sniffed from the first bytes) into a directory, streaming,
 * turning OCI whiteouts into overlayfs markers, and computing the diff id (sha256 of the uncompressed tar).
 *
 * <p>The target directory must be private to the caller (a fresh temp dir): safety relies on nobody else
 * changing it while entries are written. Every entry path is checked lexically (no '..' at all, leading '/'
 * means the layer root) and then walked component by component with lstat, refusing to go through a
 * symlink, so nothing can land outside the target. Device nodes are refused (a layer must not hand a
 * container a raw disk); fifos are allowed. Limits on unpacked bytes and entry count stop tar bombs.
 * On failure the caller deletes the target directory.
 */
// Not final: tests count unpacks by overriding unpack().
public class LayerUnpacker {
    public static final long DEFAULT_MAX_BYTES = 32L << 30;
    public static final long DEFAULT_MAX_ENTRIES = 1_000_000;
    static final String WHITEOUT_PREFIX = ".wh.";
    static final String OPAQUE_MARKER = ".wh..wh..opq";
    static final String OPAQUE_XATTR = "trusted.overlay.opaque";


    /**
     * The computed diff id, the length of the uncompressed tar, the bytes of file content written, and the
     * number of entries.
     */
    public record Result(Digest diffId, long tarSize, long contentBytes, long entries) {}

    private final long maxBytes;
    private final long maxEntries;

    public LayerUnpacker() {
        this(DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES);
    }

    public LayerUnpacker(long maxBytes, long maxEntries) {
        if (maxBytes <= 0 || maxEntries <= 0) {
            throw new IllegalArgumentException("limits must be positive");
        }
        this.maxBytes = maxBytes;
        this.maxEntries = maxEntries;
    }

    /**
     * Unpacks {@code layer} into the existing, empty directory {@code target}. {@code what} names the layer in
     * errors (its blob digest). Does not close {@code layer}.
     */
    public Result unpack(InputStream layer, Path target, String what) {
        return new Run(target, "unpack layer " + what).run(layer);
    }

    private final class Run {
        private final Path root;
        private final String op;
        private final Map<Path, TarArchiveEntry> dirs = new LinkedHashMap<>();
        private long bytes;
        private long entries;

        Run(Path root, String op) {
            this.root = root;
            this.op = op;
        }

        Result run(InputStream layer) {
            String entryName = null;
            try {
                BufferedInputStream buffered = new BufferedInputStream(layer, 1 << 16);
                InputStream plain = decompressor(buffered);
                MessageDigest sha = Sha256.newDigest();
                Counting digesting = new Counting(new DigestInputStream(plain, sha));
                TarEndPadding ended = new TarEndPadding(digesting);
                TarArchiveInputStream tar = new TarArchiveInputStream(ended, StandardCharsets.UTF_8.name());
                TarArchiveEntry entry;
                while ((entry = tar.getNextEntry()) != null) {
                    entryName = entry.getName();
                    ended.entryDataEnds(entry.isDirectory() || entry.isLink() || entry.isSymbolicLink() ? 0
                            : entry.getSize());
                    if (++entries > maxEntries) {
                        throw BerthException.invalid(op + ": more than " + maxEntries + " entries (limit)");
                    }
                    apply(tar, entry);
                }
                entryName = null;
                // The diff id covers the whole uncompressed stream as it came, including end-of-archive padding.
                copyCharged(digesting, OutputStream.nullOutputStream());
                applyDirMetadata();
                return new Result(Digest.sha256Of(sha), digesting.count, bytes, entries);
            } catch (BerthException e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                String where = entryName == null ? "" : ": entry '" + entryName + "'";
                throw BerthException.internal(op + where + ": " + e.getMessage(), e);
            }
        }

        private InputStream decompressor(BufferedInputStream in) throws IOException {
            in.mark(4);
            byte[] magic = in.readNBytes(4);
            in.reset();
            if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
                return new GzipCompressorInputStream(in, true);
            }
            if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5
                    && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd) {
                return new ZstdCompressorInputStream(in);
            }
            return in;
        }

        /** Copies an entry's content, charging each chunk before it is written so the limit stops the write. */
        private void copyCharged(InputStream in, OutputStream out) throws IOException {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                charge(n);
                out.write(buf, 0, n);
            }
        }

        private void charge(long n) {
            bytes += n;
            if (bytes > maxBytes) {
                throw BerthException.invalid(op + ": more than " + maxBytes + " unpacked bytes (limit)");
            }
        }

        private void apply(TarArchiveInputStream tar, TarArchiveEntry e) throws IOException {
            String name = e.getName();
            List<String> comps = components(name);
            if (comps.isEmpty()) {
                if (!e.isDirectory()) {
                    throw refuse(name, "names the layer root but is not a directory");
                }
                lchown(root, e);
                dirs.put(root, e);
                return;
            }
            Path parent = parentDir(comps, name, true);
            String base = comps.get(comps.size() - 1);
            Path path = parent.resolve(base);

            if (base.equals(OPAQUE_MARKER)) {
                setXattr(parent, OPAQUE_XATTR, "y");
                return;
            }
            if (base.startsWith(WHITEOUT_PREFIX)) {
                String hidden = base.substring(WHITEOUT_PREFIX.length());
                if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
                    throw refuse(name, "is a malformed whiteout");
                }
                Path hiddenPath = parent.resolve(hidden);
                // A whiteout hides lower layers only: a same-layer file of that name stays.
                if (lstat(hiddenPath) == null) {
                    Libc.check(Libc.lib().mknod(hiddenPath.toString(), Libc.S_IFCHR, 0L), "mknod whiteout", hiddenPath);
                }
                return;
            }

            if (e.isDirectory()) {
                clearFor(path, true);
                if (lstat(path) == null) {
                    Files.createDirectory(path);
                }
                lchown(path, e);
                dirs.put(path, e);
            } else if (e.isSymbolicLink()) {
                clearFor(path, false);
                // Any target is kept as is: absolute links are normal in images, and we never follow them.
                Files.createSymbolicLink(path, Paths.get(e.getLinkName()));
                lchown(path, e);
                times(path, e);
            } else if (e.isLink()) {
                Path target = hardlinkTarget(name, e.getLinkName());
                clearFor(path, false);
                if (!target.equals(path)) {
                    Files.createLink(path, target);
                }
            } else if (e.isFIFO()) {
                clearFor(path, false);
                Libc.check(Libc.lib().mknod(path.toString(), Libc.S_IFIFO | (e.getMode() & 0777), 0L), "mknod fifo", path);
                metadata(path, e);
            } else if (e.isCharacterDevice() || e.isBlockDevice()) {
                throw refuse(name, "is a " + (e.isCharacterDevice() ? "character" : "block")
                        + " device (" + e.getDevMajor() + "," + e.getDevMinor() + "); device nodes are not allowed in layers");
            } else if (e.isFile()) {
                // A sparse entry's header size counts only the bytes the archive stores; it unpacks to its real size.
                long size = Math.max(e.getSize(), e.getRealSize());
                if (bytes + size > maxBytes) {
                    throw BerthException.invalid(op + ": more than " + maxBytes + " unpacked bytes (limit) at entry '" + name + "'");
                }
                clearFor(path, false);
                try (OutputStream out = Files.newOutputStream(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    copyCharged(tar, out);
                }
                metadata(path, e);
            } else {
                throw refuse(name, "has an unsupported tar entry type");
            }
        }

        /** Walks the parents of an entry with lstat, creating missing ones, never traversing a symlink. */
        private Path parentDir(List<String> comps, String name, boolean create) throws IOException {
            Path cur = root;
            for (int i = 0; i < comps.size() - 1; i++) {
                cur = cur.resolve(comps.get(i));
                BasicFileAttributes a = lstat(cur);
                if (a == null) {
                    if (!create) {
                        throw refuse(name, "has a missing parent '" + root.relativize(cur) + "'");
                    }
                    Files.createDirectory(cur);
                } else if (a.isSymbolicLink()) {
                    throw refuse(name, "goes through the symlink '" + root.relativize(cur) + "'");
                } else if (!a.isDirectory()) {
                    throw refuse(name, "has a parent '" + root.relativize(cur) + "' that is not a directory");
                }
            }
            return cur;
        }

        private Path hardlinkTarget(String name, String linkName) throws IOException {
            List<String> comps;
            try {
                comps = components(linkName);
            } catch (BerthException escapes) {
                throw refuse(name, "is a hardlink to '" + linkName + "' outside the layer");
            }
            if (comps.isEmpty()) {
                throw refuse(name, "is a hardlink to the layer root");
            }
            Path target;
            try {
                target = parentDir(comps, name, false).resolve(comps.get(comps.size() - 1));
            } catch (BerthException e) {
                throw refuse(name, "is a hardlink to '" + linkName + "' that is not a file in the layer ("
                        + e.getMessage().substring(e.getMessage().lastIndexOf(": ") + 2) + ")");
            }
            BasicFileAttributes a = lstat(target);
            if (a == null || a.isDirectory()) {
                throw refuse(name, "is a hardlink to '" + linkName + "' that is not a file in the layer");
            }
            return target;
        }

        /** Makes room for a new entry: tar semantics replace what is there, except dir over dir merges. */
        private void clearFor(Path path, boolean newIsDir) throws IOException {
            BasicFileAttributes a = lstat(path);
            if (a == null) return;
            if (a.isDirectory()) {
                if (newIsDir) return;
                deleteTree(path);
                dirs.keySet().removeIf(p -> p.startsWith(path));
            } else {
                Files.delete(path);
            }
        }

        private void metadata(Path path, TarArchiveEntry e) throws IOException {
            lchown(path, e);
            // After chown, which clears setuid/setgid.
            Libc.check(Libc.lib().chmod(path.toString(), e.getMode() & 07777), "chmod", path);
            times(path, e);
        }

        private void lchown(Path path, TarArchiveEntry e) throws IOException {
            Libc.check(Libc.lib().lchown(path.toString(), (int) e.getLongUserId(), (int) e.getLongGroupId()), "lchown", path);
        }

        private void times(Path path, TarArchiveEntry e) throws IOException {
            java.time.Instant t = e.getLastModifiedTime().toInstant();
            long[] ts = {t.getEpochSecond(), t.getNano(), t.getEpochSecond(), t.getNano()};
            Libc.check(Libc.lib().utimensat(Libc.AT_FDCWD, path.toString(), ts, Libc.AT_SYMLINK_NOFOLLOW), "utimensat", path);
        }

        /** Directory modes and times last, deepest first, so writing children does not undo them. */
        private void applyDirMetadata() throws IOException {
            List<Map.Entry<Path, TarArchiveEntry>> list = new ArrayList<>(dirs.entrySet());
            list.sort((a, b) -> Integer.compare(b.getKey().getNameCount(), a.getKey().getNameCount()));
            for (Map.Entry<Path, TarArchiveEntry> d : list) {
                Libc.check(Libc.lib().chmod(d.getKey().toString(), d.getValue().getMode() & 07777), "chmod", d.getKey());
                times(d.getKey(), d.getValue());
            }
        }

        private BerthException refuse(String name, String why) {
            return BerthException.invalid(op + ": entry '" + name + "' " + why);
        }

        /** Lexical check: leading '/' and '.' are dropped, any '..' is refused. */
        private List<String> components(String name) {
            List<String> out = new ArrayList<>();
            for (String c : name.split("/")) {
                if (c.isEmpty() || c.equals(".")) continue;
                if (c.equals("..")) {
                    throw refuse(name, "escapes the layer");
                }
                if (c.indexOf('\0') >= 0) {
                    throw refuse(name, "contains a NUL byte");
                }
                out.add(c);
            }
            return out;
        }
    }

    private static final class Counting extends java.io.FilterInputStream {
        long count;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) count++;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) count += n;
            return n;
        }

        /** Reads instead of skipping: skipped bytes must still reach the digest. */
        @Override
        public long skip(long n) throws IOException {
            byte[] buf = new byte[(int) Math.min(8192, Math.max(n, 1))];
            int k = n <= 0 ? 0 : read(buf, 0, (int) Math.min(buf.length, n));
            return Math.max(k, 0);
        }
    }

    static BasicFileAttributes lstat(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    static void setXattr(Path path, String name, String value) throws IOException {
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        Libc.check(Libc.lib().lsetxattr(path.toString(), name, v, v.length, 0), "setxattr " + name, path);
    }

    /** Deletes a tree without following symlinks. */
    static void deleteTree(Path dir) throws IOException {
        if (lstat(dir) == null) return;
        Files.walkFileTree(dir, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                if (exc != null) throw exc;
                Files.deleteIfExists(d);
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
    }
}
