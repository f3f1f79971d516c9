package dev.berth.image;

import dev.berth.image.registry.RegistryTransport;
import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;
import dev.berth.oci.spec.image.Digest;
import dev.berth.oci.spec.image.ImageConfig;
import dev.berth.oci.spec.image.Manifest;
import dev.berth.oci.spec.image.Platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The image store under one root directory (e.g. /var/lib/berth/images):
 * <ul>
 *   <li>{@code blobs/sha256/<hex>}: manifests, configs and layer blobs ({@link BlobStore});</li>
 *   <li>{@code layers/<diff id hex>/} and {@code l/<short>}: unpacked layers ({@link LayerStore});</li>
 *   <li>{@code images.json}: the image records, replaced atomically; rebuilt from the blobs (without the
 *   names) when unreadable;</li>
 *   <li>{@code partial/<hex>}: blob downloads in progress or cut off, resumed by the next pull of the blob
 *   and kept across restarts; {@link #prune} deletes them;</li>
 *   <li>{@code tmp/}: work in progress, emptied when the store opens.</li>
 * </ul>
 * Opening the store also deletes the blobs and layers no image references (what a crash left mid-pull).
 * Thread-safe. Imports run concurrently (a shared layer is unpacked once); removal waits for imports
 * in progress so that it never deletes a layer an import is about to reference.
 */
public final class ImageStore {
    private static final System.Logger LOG = System.getLogger(ImageStore.class.getName());
    private static final Pattern HEX_PREFIX = Pattern.compile("[0-9a-f]{3,64}");
    private static final int MIN_ID_PREFIX = 3;

    private final Path root;
    private final Path tmp;
    private final BlobStore blobs;
    private final LayerStore layers;
    private final ImagesFile file;
    /** Read: an import in progress. Write: removal of blobs and layers. */
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** Guarded by itself; insertion order = import order. */
    private final Map<String, ImageRecord> records = new LinkedHashMap<>();
    /** Made on the first pull: stores that never pull need no HTTP client. Guarded by this. */
    private RegistryTransport registryTransport;

    public ImageStore(Path root) {
        this(root, new LayerUnpacker());
    }

    public ImageStore(Path root, LayerUnpacker unpacker) {
        this.root = root.toAbsolutePath().normalize();
        this.tmp = this.root.resolve("tmp");
        this.blobs = new BlobStore(this.root);
        this.layers = new LayerStore(this.root, tmp, unpacker);
        this.file = new ImagesFile(this.root.resolve("images.json"));
        try {
            PrivateDirs.ensure(this.root);
            if (Files.exists(tmp)) {
                LayerUnpacker.deleteTree(tmp);
            }
            Files.createDirectories(tmp);
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            blobs.init();
            layers.init();
        } catch (IOException e) {
            throw BerthException.internal("open image store " + this.root + ": " + e.getMessage(), e);
        }
        for (ImageRecord r : loadOrRebuildIndex()) {
            records.put(r.id(), r);
        }
        // A crash (kill -9 mid-pull or mid-import) between storing blobs or layers and registering their image
        // leaves them referenced by nothing: sweep them before anything can be pulled against them.
        collectGarbage(null, null);
    }

    /**
     * images.json's records or, when it cannot be read, those found again in the blobs (names lost), saved
     * as the new images.json: containers run from these images, and their layers must outlive the index.
     */
    private List<ImageRecord> loadOrRebuildIndex() {
        try {
            return file.load();
        } catch (BerthException unreadable) {
            List<ImageRecord> found = new ImageIndexRebuild(blobs, layers).run();
            Path aside = file.setAside();
            file.save(found);
            LOG.log(System.Logger.Level.WARNING, "image index unreadable ({0}): rebuilt it from the blob store with {1}"
                    + " image(s) {2}, without their names (tag them again); the old file is kept as {3}",
                    unreadable.getMessage(), found.size(), found.stream().map(ImageRecord::id).toList(), aside);
            return found;
        }
    }

    public Path root() {
        return root;
    }

    /**
     * Imports an OCI layout directory or an oci-archive tar; see {@link ImportImage} for how the manifest and
     * the name are chosen. Re-importing an image adds the name to the existing record.
     */
    public ImageRecord importImage(Path ociLayoutDirOrArchiveTar, Optional<String> name) {
        return new ImportImage(this, ociLayoutDirOrArchiveTar, name).run();
    }

    /**
     * Pulls {@code reference} ({@code name[:tag]} or {@code name@sha256:...}) from its registry, or, for a name
     * without a registry, from the first unqualified-search registry that has it; see {@link PullImage}.
     * The image is registered under the normalised name pulled ({@code docker.io/library/busybox:latest}).
     * {@code listener} is called from download threads. Errors: NOT_FOUND (no such image or platform),
     * UNAVAILABLE (registry unreachable or gone mid-pull), FAILED_PRECONDITION (authentication failed,
     * registry blocked), INVALID_ARGUMENT (bad reference, digest or size mismatch, unsupported image).
     */
    public ImageRecord pull(String reference, PullOptions options, PullProgress listener) {
        return new PullImage(this, registryTransport(), reference, options, listener).run();
    }

    /** All images, oldest import first. */
    public List<ImageRecord> list() {
        synchronized (records) {
            return List.copyOf(records.values());
        }
    }

    /**
     * Finds an image by name ({@code busybox} tries {@code localhost/busybox:latest}, then
     * {@code docker.io/library/busybox:latest}), by {@code name@digest} (manifest digest), by id
     * ({@code sha256:<hex>} or bare hex) or by an unambiguous id prefix of at least 3 hex digits.
     * An ambiguous prefix is FAILED_PRECONDITION; a malformed reference INVALID_ARGUMENT.
     */
    public Optional<ImageRecord> resolve(String ref) {
        List<ImageRecord> all = list();
        String hex = ref.startsWith(Digest.SHA256 + ":") ? ref.substring(Digest.SHA256.length() + 1) : null;
        if (hex == null) {
            Optional<ImageRecord> byName = resolveName(ref, all);
            if (byName.isPresent()) {
                return byName;
            }
            if (!HEX_PREFIX.matcher(ref).matches()) {
                return Optional.empty();
            }
            hex = ref;
        } else if (!HEX_PREFIX.matcher(hex).matches()) {
            throw BerthException.invalid("resolve image '" + ref + "': an id is sha256: and at least "
                    + MIN_ID_PREFIX + " lower-case hex digits");
        }
        String prefix = hex;
        List<ImageRecord> matches = all.stream().filter(r -> r.configDigest().hex().startsWith(prefix)).toList();
        if (matches.size() > 1) {
            throw BerthException.conflict("resolve image '" + ref + "': ambiguous id prefix, matches "
                    + matches.stream().map(ImageRecord::id).toList());
        }
        return matches.stream().findFirst();
    }

    private static Optional<ImageRecord> resolveName(String ref, List<ImageRecord> all) {
        ImageReference parsed;
        try {
            parsed = ImageReference.parse(ref);
        } catch (BerthException e) {
            if (HEX_PREFIX.matcher(ref).matches()) {
                return Optional.empty();
            }
            throw new BerthException(BerthException.Kind.INVALID_ARGUMENT, "resolve image: " + e.getMessage(), e);
        }
        if (parsed.digest().isPresent()) {
            Digest d = Digest.parse(parsed.digest().get());
            List<String> repos = parsed.domain().isEmpty()
                    ? ImageReference.candidates(parsed.repository()).stream()
                        .map(c -> ImageReference.parse(c).repository()).toList()
                    : List.of(parsed.normalized().repository());
            return all.stream()
                    .filter(r -> r.manifestDigest().equals(d))
                    .filter(r -> r.names().stream().anyMatch(n -> repos.contains(ImageReference.parse(n).repository())))
                    .findFirst();
        }
        for (String candidate : ImageReference.candidates(ref)) {
            for (ImageRecord r : all) {
                if (r.names().contains(candidate)) {
                    return Optional.of(r);
                }
            }
        }
        return Optional.empty();
    }

    /** Resolves or throws NOT_FOUND naming the operation. */
    ImageRecord require(String ref, String op) {
        return resolve(ref).orElseThrow(() -> BerthException.notFound(op + ": no such image"));
    }

    /** The image's OCI config, read from its blob. */
    public ImageConfig config(ImageRecord image) {
        String op = "read config of image " + image.id();
        return OciJson.read(blobs.read(image.configDigest(), ImportImage.MAX_JSON_BLOB, op), ImageConfig.class, op);
    }

    /**
     * The unpacked layer dirs, bottom layer first, as the store's short {@code l/} link paths (symlinks to
     * the layer content) so that they can go straight into an overlay lowerdir option.
     */
    public List<Path> layerDirs(ImageRecord image) {
        List<Path> out = new ArrayList<>();
        for (Digest d : image.diffIds()) {
            Path link = layers.linkPath(d);
            if (!Files.isDirectory(link)) {
                throw BerthException.notFound("layers of image " + image.id() + ": layer " + d + " is missing");
            }
            out.add(link);
        }
        return out;
    }

    /**
     * Removes a name; by id, or when the last name goes, removes the image and deletes its blobs and layers
     * that no other image uses. Whether containers use it is the caller's check.
     */
    public void remove(String ref) {
        remove(ref, id -> false);
    }

    /**
     * As {@link #remove(String)}, except that an image {@code inUse} says a container uses (by image id) only
     * loses the name(s): it stays, unnamed, as long as its layers are some container's rootfs.
     */
    public void remove(String ref, Predicate<String> inUse) {
        new RemoveImage(this, ref, inUse).run();
    }

    /** What {@link #prune} removed: image ids, and the bytes of blobs and layers deleted. */
    public record PruneResult(List<String> removed, long reclaimed) {
        public PruneResult {
            removed = List.copyOf(removed);
        }
    }

    /**
     * Removes the unnamed images ({@code all}: every image) that no container uses, then the blobs and layers
     * no image references any more.
     */
    public PruneResult prune(boolean all, Predicate<String> inUse) {
        lock.writeLock().lock();
        try {
            synchronized (records) {
                List<String> removed = new ArrayList<>();
                for (ImageRecord r : List.copyOf(records.values())) {
                    if ((all || r.names().isEmpty()) && !inUse.test(r.id())) {
                        records.remove(r.id());
                        removed.add(r.id());
                    }
                }
                if (!removed.isEmpty()) {
                    save();
                }
                return new PruneResult(removed, collectGarbage(null, null) + deletePartials());
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Adds {@code name} (normalised) to the image; the name moves off any image that had it. */
    public void tag(String ref, String name) {
        String op = "tag image " + ref + " as " + name;
        ImageReference n;
        try {
            n = ImageReference.normalize(name);
        } catch (BerthException e) {
            throw new BerthException(BerthException.Kind.INVALID_ARGUMENT, op + ": " + e.getMessage(), e);
        }
        synchronized (records) {
            ImageRecord image = require(ref, op);
            putName(image.id(), n.toString());
            save();
        }
    }

    // ---- for the operation classes ----

    private synchronized RegistryTransport registryTransport() {
        if (registryTransport == null) {
            registryTransport = new RegistryTransport();
        }
        return registryTransport;
    }

    Path tmpDir() {
        return tmp;
    }

    BlobStore blobs() {
        return blobs;
    }

    LayerStore layers() {
        return layers;
    }

    ReentrantReadWriteLock lock() {
        return lock;
    }

    Map<String, ImageRecord> records() {
        return records;
    }

    /** Adds or merges a record (same config = same image) and gives it {@code name}. */
    ImageRecord register(ImageRecord record, Optional<String> name) {
        synchronized (records) {
            records.putIfAbsent(record.id(), record);
            name.ifPresent(n -> putName(record.id(), n));
            save();
            return records.get(record.id());
        }
    }

    private void putName(String id, String name) {
        for (Map.Entry<String, ImageRecord> e : records.entrySet()) {
            ImageRecord r = e.getValue();
            if (!r.id().equals(id) && r.names().contains(name)) {
                List<String> left = new ArrayList<>(r.names());
                left.remove(name);
                e.setValue(r.withNames(left));
            }
        }
        ImageRecord r = records.get(id);
        if (!r.names().contains(name)) {
            List<String> names = new ArrayList<>(r.names());
            names.add(name);
            records.put(id, r.withNames(names));
        }
    }

    /** Caller holds the records monitor. */
    void save() {
        file.save(new ArrayList<>(records.values()));
    }

    /** Blobs and layers any record still references. Caller holds the records monitor. */
    Set<Digest> referencedBlobs() {
        Set<Digest> out = new HashSet<>();
        for (ImageRecord r : records.values()) {
            out.addAll(blobsOf(r));
        }
        return out;
    }

    Set<Digest> referencedLayers() {
        Set<Digest> out = new HashSet<>();
        for (ImageRecord r : records.values()) {
            out.addAll(r.diffIds());
        }
        return out;
    }

    List<Digest> blobsOf(ImageRecord r) {
        String op = "read manifest of image " + r.id();
        try {
            Manifest m = OciJson.read(blobs.read(r.manifestDigest(), ImportImage.MAX_JSON_BLOB, op), Manifest.class, op);
            return ImportImage.blobsOf(m, r.manifestDigest());
        } catch (BerthException e) {
            if (e.kind() == BerthException.Kind.NOT_FOUND) {
                return List.of(r.manifestDigest(), r.configDigest());
            }
            throw e;
        }
    }

    /**
     * The store's one garbage collector: deletes the blobs and layers (all on disk when a set is null, else
     * those given) that no image references; returns the bytes freed. Runs under the write lock, so never
     * while an import or pull (read lock) may be about to reference what it deletes; containers keep their
     * layers by keeping their image (see {@link #remove(String, Predicate)}).
     */
    long collectGarbage(Set<Digest> blobCandidates, Set<Digest> layerCandidates) {
        if (blobCandidates != null && layerCandidates != null && blobCandidates.isEmpty() && layerCandidates.isEmpty()) {
            return 0;
        }
        lock.writeLock().lock();
        try {
            synchronized (records) {
                Set<Digest> usedBlobs = referencedBlobs();
                Set<Digest> usedLayers = referencedLayers();
                long freed = 0;
                for (Digest d : layerCandidates != null ? layerCandidates : layers.all()) {
                    if (!usedLayers.contains(d)) freed += layers.delete(d);
                }
                for (Digest d : blobCandidates != null ? blobCandidates : blobs.all()) {
                    if (!usedBlobs.contains(d)) freed += blobs.delete(d);
                }
                return freed;
            }
        } catch (IOException e) {
            throw BerthException.internal("collect garbage in image store " + root + ": " + e.getMessage(), e);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Caller holds the write lock, so no download is writing a partial file. */
    private long deletePartials() {
        try {
            return blobs.deletePartials();
        } catch (IOException e) {
            throw BerthException.internal("prune image store " + root + ": delete partial downloads: " + e.getMessage(), e);
        }
    }

    /** The platform images are chosen for: linux and the JVM's architecture in Go's names. */
    static Platform hostPlatform() {
        String arch = System.getProperty("os.arch");
        String goArch = switch (arch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> arch;
        };
        return new Platform(goArch, "linux");
    }
}
