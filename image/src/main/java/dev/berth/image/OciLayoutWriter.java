package dev.berth.image;

import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;
import dev.berth.oci.spec.image.Descriptor;
import dev.berth.oci.spec.image.Digest;
import dev.berth.oci.spec.image.ImageConfig;
import dev.berth.oci.spec.image.Index;
import dev.berth.oci.spec.image.Manifest;
import dev.berth.oci.spec.image.MediaTypes;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Writes an OCI image layout: {@code oci-layout}, {@code blobs/sha256/}, {@code index.json} with a
 * ref.name annotation per image. Layers are gzip-compressed tars made from {@link Entry} lists or from a
 * directory tree. Output is deterministic (fixed mtimes, sorted directory walks, gzip header mtime 0), so
 * the same input gives the same digests. Used to build Berth's built-in image and hostile test layers;
 * entry names are written as given, even absolute or with '..'.
 */
public final class OciLayoutWriter {
    /** The mtime of entries that do not set one: 2000-01-01T00:00:00Z. */
    public static final Instant FIXED_MTIME = Instant.parse("2000-01-01T00:00:00Z");

    public enum Type { FILE, DIR, SYMLINK, HARDLINK, FIFO, CHAR_DEVICE, BLOCK_DEVICE }

    /** One tar entry. {@code link} is the symlink or hardlink target. */
    public record Entry(Type type, String name, int mode, int uid, int gid, byte[] content, String link,
                        int devMajor, int devMinor, Instant mtime) {
        public static Entry file(String name, String content) {
            return file(name, content.getBytes(StandardCharsets.UTF_8), 0644);
        }

        public static Entry file(String name, byte[] content, int mode) {
            return new Entry(Type.FILE, name, mode, 0, 0, content, null, 0, 0, FIXED_MTIME);
        }

        public static Entry dir(String name, int mode) {
            return new Entry(Type.DIR, name, mode, 0, 0, null, null, 0, 0, FIXED_MTIME);
        }

        public static Entry symlink(String name, String target) {
            return new Entry(Type.SYMLINK, name, 0777, 0, 0, null, target, 0, 0, FIXED_MTIME);
        }

        public static Entry hardlink(String name, String target) {
            return new Entry(Type.HARDLINK, name, 0644, 0, 0, null, target, 0, 0, FIXED_MTIME);
        }

        public static Entry fifo(String name) {
            return new Entry(Type.FIFO, name, 0644, 0, 0, null, null, 0, 0, FIXED_MTIME);
        }

        public static Entry charDevice(String name, int major, int minor) {
            return new Entry(Type.CHAR_DEVICE, name, 0666, 0, 0, null, null, major, minor, FIXED_MTIME);
        }

        /** The OCI whiteout deleting {@code dir/name} from lower layers. */
        public static Entry whiteout(String dir, String name) {
            return file((dir.isEmpty() ? "" : dir + "/") + LayerUnpacker.WHITEOUT_PREFIX + name, "");
        }

        /** The OCI opaque marker hiding everything lower layers have in {@code dir}. */
        public static Entry opaque(String dir) {
            return file(dir + "/" + LayerUnpacker.OPAQUE_MARKER, "");
        }

        public Entry withOwner(int newUid, int newGid) {
            return new Entry(type, name, mode, newUid, newGid, content, link, devMajor, devMinor, mtime);
        }

        public Entry withMode(int newMode) {
            return new Entry(type, name, newMode, uid, gid, content, link, devMajor, devMinor, mtime);
        }
    }

    /** A written layer: its blob descriptor and the diff id (digest of the uncompressed tar). */
    public record Layer(Descriptor descriptor, Digest diffId) {}

    private final Path dir;
    private final List<Layer> layers = new ArrayList<>();

    public OciLayoutWriter(Path layoutDir) {
        this.dir = layoutDir;
        try {
            Files.createDirectories(dir.resolve("blobs").resolve(Digest.SHA256));
            Files.write(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw BerthException.internal("write OCI layout " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Adds a gzip-compressed layer of {@code entries}, in order, to the next image. */
    public Layer addLayer(List<Entry> entries) {
        try {
            Path temp = Files.createTempFile(dir, "layer-", ".part");
            MessageDigest blobSha = Sha256.newDigest();
            MessageDigest diffSha = Sha256.newDigest();
            try (OutputStream file = Files.newOutputStream(temp);
                 DigestOutputStream blobOut = new DigestOutputStream(file, blobSha);
                 GzipCompressorOutputStream gz = new GzipCompressorOutputStream(blobOut, gzipParameters());
                 DigestOutputStream tarBytes = new DigestOutputStream(gz, diffSha);
                 TarArchiveOutputStream tar = new TarArchiveOutputStream(tarBytes, StandardCharsets.UTF_8.name())) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                for (Entry e : entries) {
                    write(tar, e);
                }
                tar.finish();
            }
            Digest blob = Digest.sha256Of(blobSha);
            long size = Files.size(temp);
            Files.move(temp, blobPath(blob), StandardCopyOption.REPLACE_EXISTING);
            Layer layer = new Layer(new Descriptor(MediaTypes.OCI_LAYER_GZIP, blob, size), Digest.sha256Of(diffSha));
            layers.add(layer);
            return layer;
        } catch (IOException e) {
            throw BerthException.internal("write OCI layout " + dir + ": layer: " + e.getMessage(), e);
        }
    }

    /** Adds a layer of a directory tree (sorted, owners and modes as on disk, fixed mtimes). */
    public Layer addLayerFromDirectory(Path tree) {
        List<Entry> entries = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(tree)) {
            for (Path p : (Iterable<Path>) walk.sorted()::iterator) {
                if (p.equals(tree)) continue;
                String name = tree.relativize(p).toString();
                Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
                int mode = (Integer) a.get("mode") & 07777;
                Entry e;
                if (Files.isSymbolicLink(p)) {
                    e = Entry.symlink(name, Files.readSymbolicLink(p).toString());
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    e = Entry.dir(name, mode);
                } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    e = Entry.file(name, Files.readAllBytes(p), mode);
                } else {
                    throw BerthException.invalid("write OCI layout " + dir + ": " + p + " is not a file, dir or symlink");
                }
                entries.add(e.withMode(e.type() == Type.SYMLINK ? 0777 : mode)
                        .withOwner((Integer) a.get("uid"), (Integer) a.get("gid")));
            }
        } catch (IOException e) {
            throw BerthException.internal("write OCI layout " + dir + ": read " + tree + ": " + e.getMessage(), e);
        }
        return addLayer(entries);
    }

    /**
     * Writes the config and manifest of an image made of the layers added since the last image, and adds
     * it to index.json under {@code refName}. The config's rootfs is filled in unless it has one (tests
     * give wrong diff ids that way). Returns the manifest descriptor.
     */
    public Descriptor writeImage(ImageConfig config, String refName) {
        List<Digest> diffIds = layers.stream().map(Layer::diffId).toList();
        ImageConfig full = config.rootfs() != null ? config
                : new ImageConfig(config.created(), config.author(), config.architecture(), config.os(),
                config.variant(), config.config(), new ImageConfig.RootFs(diffIds), config.history());
        Descriptor configDesc = writeBlob(MediaTypes.OCI_CONFIG, OciJson.toBytes(full));
        Manifest manifest = new Manifest(2, MediaTypes.OCI_MANIFEST, configDesc,
                layers.stream().map(Layer::descriptor).toList(), null);
        Descriptor manifestDesc = writeBlob(MediaTypes.OCI_MANIFEST, OciJson.toBytes(manifest));
        layers.clear();
        Map<String, String> annotations = new TreeMap<>();
        annotations.put(Descriptor.ANNOTATION_REF_NAME, refName);
        Descriptor entry = new Descriptor(manifestDesc.mediaType(), manifestDesc.digest(), manifestDesc.size(),
                null, annotations, null);
        Path indexFile = dir.resolve("index.json");
        List<Descriptor> manifests = new ArrayList<>();
        if (Files.exists(indexFile)) {
            Index old = OciJson.read(indexFile, Index.class);
            if (old.manifests() != null) {
                old.manifests().stream().filter(d -> !refName.equals(d.refName())).forEach(manifests::add);
            }
        }
        manifests.add(entry);
        try {
            Files.write(indexFile, OciJson.toBytes(new Index(2, MediaTypes.OCI_INDEX, manifests, null)));
        } catch (IOException e) {
            throw BerthException.internal("write OCI layout " + dir + ": index.json: " + e.getMessage(), e);
        }
        return manifestDesc;
    }

    /** Stores raw bytes as a blob of the layout (for hand-made manifests and indexes). */
    public Descriptor writeBlob(String mediaType, byte[] content) {
        Digest d = Digest.sha256Of(content);
        try {
            Files.write(blobPath(d), content);
        } catch (IOException e) {
            throw BerthException.internal("write OCI layout " + dir + ": blob " + d + ": " + e.getMessage(), e);
        }
        return new Descriptor(mediaType, d, content.length);
    }

    public Path blobPath(Digest d) {
        return dir.resolve("blobs").resolve(d.algorithm()).resolve(d.hex());
    }

    /** Packs a layout directory into an oci-archive tar (sorted entries, fixed mtimes). */
    public static void archive(Path layoutDir, Path tarFile) {
        try (OutputStream out = Files.newOutputStream(tarFile);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name());
             Stream<Path> walk = Files.walk(layoutDir)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Path p : (Iterable<Path>) walk.sorted()::iterator) {
                if (p.equals(layoutDir)) continue;
                String name = layoutDir.relativize(p).toString();
                boolean isDir = Files.isDirectory(p);
                TarArchiveEntry e = new TarArchiveEntry(isDir ? name + "/" : name);
                e.setModTime(FileTime.from(FIXED_MTIME));
                e.setMode(isDir ? 040755 : 0100644);
                if (!isDir) e.setSize(Files.size(p));
                tar.putArchiveEntry(e);
                if (!isDir) Files.copy(p, tar);
                tar.closeArchiveEntry();
            }
            tar.finish();
        } catch (IOException e) {
            throw BerthException.internal("archive OCI layout " + layoutDir + " to " + tarFile + ": " + e.getMessage(), e);
        }
    }

    private static GzipParameters gzipParameters() {
        GzipParameters p = new GzipParameters();
        p.setModificationTime(0);
        return p;
    }

    private static void write(TarArchiveOutputStream tar, Entry e) throws IOException {
        byte flag = switch (e.type()) {
            case FILE -> TarConstants.LF_NORMAL;
            case DIR -> TarConstants.LF_DIR;
            case SYMLINK -> TarConstants.LF_SYMLINK;
            case HARDLINK -> TarConstants.LF_LINK;
            case FIFO -> TarConstants.LF_FIFO;
            case CHAR_DEVICE -> TarConstants.LF_CHR;
            case BLOCK_DEVICE -> TarConstants.LF_BLK;
        };
        // preserveAbsolutePath: hostile test names must reach the tar unchanged.
        TarArchiveEntry t = new TarArchiveEntry(e.type() == Type.DIR && !e.name().endsWith("/") ? e.name() + "/" : e.name(),
                flag, true);
        int typeBits = switch (e.type()) {
            case FILE, HARDLINK -> 0100000;
            case DIR -> 040000;
            case SYMLINK -> 0120000;
            case FIFO -> 010000;
            case CHAR_DEVICE -> 020000;
            case BLOCK_DEVICE -> 060000;
        };
        t.setMode(typeBits | (e.mode() & 07777));
        t.setUserId(e.uid());
        t.setGroupId(e.gid());
        t.setModTime(FileTime.from(e.mtime() == null ? FIXED_MTIME : e.mtime()));
        if (e.link() != null) t.setLinkName(e.link());
        if (e.type() == Type.CHAR_DEVICE || e.type() == Type.BLOCK_DEVICE) {
            t.setDevMajor(e.devMajor());
            t.setDevMinor(e.devMinor());
        }
        if (e.type() == Type.FILE) t.setSize(e.content().length);
        tar.putArchiveEntry(t);
        if (e.type() == Type.FILE) tar.write(e.content());
        tar.closeArchiveEntry();
    }
}
