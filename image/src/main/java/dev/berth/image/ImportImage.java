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
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Imports an OCI image layout (a directory, or an oci-archive tar of one) into an {@link ImageStore}.
 *
 * <p>Manifest choice: the only manifest of index.json; else the one whose ref.name annotation equals the
 * requested name or its tag. A (nested) index is resolved to the store's platform (linux/amd64 here).
 *
 * <p>Naming: the given name, normalised; else a ref.name that is a full reference
 * ({@code docker.io/library/busybox:1.36}, {@code busybox:1.36}), normalised; else a ref.name that is only a
 * tag ({@code latest}, what umoci and skopeo write) becomes {@code localhost/<layout dir or archive name
 * without .tar>:<tag>}; else the image has no name and is reached by id.
 */
final class ImportImage {
    static final long MAX_JSON_BLOB = 4L << 20;
    static final int MAX_INDEX_DEPTH = 4;
    private static final Pattern LAYOUT_BLOB = Pattern.compile("blobs/sha256/[0-9a-f]{64}");

    private final ImageStore store;
    private final Path source;
    private final Optional<String> name;
    private final String op;
    private final Set<Digest> createdBlobs = new HashSet<>();
    private final Set<Digest> createdLayers = new HashSet<>();

    ImportImage(ImageStore store, Path source, Optional<String> name) {
        this.store = store;
        this.source = source;
        this.name = name;
        this.op = "import image " + source;
    }

    ImageRecord run() {
        Optional<ImageReference> wanted = name.map(ImageReference::normalize);
        Path extracted = null;
        try {
            Path layout;
            if (Files.isDirectory(source)) {
                layout = source;
            } else if (Files.isRegularFile(source)) {
                extracted = Files.createTempDirectory(store.tmpDir(), "archive-");
                extractArchive(source, extracted);
                layout = extracted;
            } else {
                throw BerthException.notFound(op + ": no such directory or file");
            }
            store.lock().readLock().lock();
            try {
                return importLayout(layout, wanted);
            } finally {
                store.lock().readLock().unlock();
            }
        } catch (IOException e) {
            throw BerthException.internal(op + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            store.collectGarbage(createdBlobs, createdLayers);
            throw e;
        } finally {
            if (extracted != null) {
                try {
                    LayerUnpacker.deleteTree(extracted);
                } catch (IOException ignored) {
                    // tmp/ is emptied when the store opens
                }
            }
        }
    }

    private ImageRecord importLayout(Path layout, Optional<ImageReference> wanted) throws IOException {
        Path header = layout.resolve("oci-layout");
        if (!Files.isRegularFile(header)) {
            throw BerthException.invalid(op + ": not an OCI image layout (no oci-layout file)");
        }
        Index index = OciJson.read(readSmall(layout.resolve("index.json")), Index.class, op + ": index.json");
        Descriptor top = chooseTop(index, wanted);
        Descriptor manifestDesc = top;
        for (int depth = 0; MediaTypes.isIndex(manifestDesc.mediaType()); depth++) {
            if (depth >= MAX_INDEX_DEPTH) {
                throw BerthException.invalid(op + ": image indexes nested deeper than " + MAX_INDEX_DEPTH);
            }
            byte[] bytes = readLayoutBlob(layout, manifestDesc);
            manifestDesc = choosePlatform(OciJson.read(bytes, Index.class, op + ": index " + manifestDesc.digest()));
        }
        if (manifestDesc.mediaType() != null && !MediaTypes.isManifest(manifestDesc.mediaType())) {
            throw BerthException.invalid(op + ": unsupported manifest media type " + manifestDesc.mediaType());
        }
        ingest(layout, manifestDesc);
        Manifest manifest = OciJson.read(store.blobs().read(manifestDesc.digest(), MAX_JSON_BLOB, op), Manifest.class,
                op + ": manifest " + manifestDesc.digest());
        if (manifest.config() == null || manifest.config().digest() == null) {
            throw BerthException.invalid(op + ": manifest " + manifestDesc.digest() + " has no config");
        }
        List<Descriptor> layers = manifest.layers() == null ? List.of() : manifest.layers();
        ingest(layout, manifest.config());
        ImageConfig config = OciJson.read(store.blobs().read(manifest.config().digest(), MAX_JSON_BLOB, op),
                ImageConfig.class, op + ": config " + manifest.config().digest());
        List<Digest> diffIds = config.rootfs() == null || config.rootfs().diffIds() == null
                ? List.of() : config.rootfs().diffIds();
        if (diffIds.size() != layers.size()) {
            throw BerthException.invalid(op + ": config lists " + diffIds.size() + " diff_ids for "
                    + layers.size() + " layers");
        }
        long size = 0;
        for (int i = 0; i < layers.size(); i++) {
            Descriptor layer = layers.get(i);
            MediaTypes.Compression c = MediaTypes.layerCompression(layer.mediaType());
            if (c == null) {
                throw BerthException.invalid(op + ": layer " + layer.digest() + " has unsupported media type "
                        + layer.mediaType());
            }
            Digest diffId = diffIds.get(i);
            if (!store.layers().has(diffId)) {
                ingest(layout, layer);
                Path blob = store.blobs().path(layer.digest());
                if (store.layers().ensure(diffId, layer.digest(), () -> Files.newInputStream(blob))) {
                    createdLayers.add(diffId);
                }
            } else if (!store.blobs().has(layer.digest())) {
                ingest(layout, layer);
            }
            size += store.layers().size(diffId);
        }
        ImageRecord record = new ImageRecord(manifest.config().digest().toString(), List.of(),
                manifestDesc.digest(), manifest.config().digest(), diffIds, size, created(config));
        Optional<String> finalName = wanted.map(ImageReference::toString).or(() -> defaultName(top.refName()));
        return store.register(record, finalName);
    }

    private Descriptor chooseTop(Index index, Optional<ImageReference> wanted) {
        List<Descriptor> all = index.manifests() == null ? List.of() : index.manifests();
        if (all.isEmpty()) {
            throw BerthException.invalid(op + ": index.json lists no manifests");
        }
        if (all.size() == 1) {
            return all.get(0);
        }
        if (wanted.isPresent()) {
            String full = wanted.get().toString();
            String tag = wanted.get().tag().orElse(null);
            List<Descriptor> match = all.stream()
                    .filter(d -> d.refName() != null && (d.refName().equals(full) || d.refName().equals(tag)
                            || name.map(n -> n.equals(d.refName())).orElse(false)))
                    .toList();
            if (match.size() == 1) {
                return match.get(0);
            }
        }
        if (all.stream().allMatch(d -> d.refName() == null && d.platform() != null)) {
            return choosePlatform(index);
        }
        List<String> refs = all.stream().map(d -> String.valueOf(d.refName())).toList();
        throw BerthException.conflict(op + ": the layout holds " + all.size() + " manifests (ref names " + refs
                + "); give a name whose tag matches one of them");
    }

    private Descriptor choosePlatform(Index index) {
        return Platforms.choose(index, ImageStore.hostPlatform(), op);
    }

    private void ingest(Path layout, Descriptor d) throws IOException {
        requireDigest(d);
        if (store.blobs().has(d.digest())) {
            return;
        }
        try (InputStream in = Files.newInputStream(layoutBlob(layout, d))) {
            if (store.blobs().ingest(BlobStore.fromStart(in), d.digest(), d.size(), op)) {
                createdBlobs.add(d.digest());
            }
        } catch (NoSuchFileException e) {
            throw BerthException.invalid(op + ": blob " + d.digest() + " is missing from the layout");
        }
    }

    private byte[] readLayoutBlob(Path layout, Descriptor d) throws IOException {
        if (d.size() > MAX_JSON_BLOB) {
            throw BerthException.invalid(op + ": " + d.mediaType() + " " + d.digest() + " is too large (" + d.size() + " bytes)");
        }
        byte[] bytes = readSmall(layoutBlob(layout, d));
        if (bytes.length != d.size() || !d.digest().matches(bytes)) {
            throw BerthException.invalid(op + ": blob digest mismatch for " + d.digest());
        }
        return bytes;
    }

    private void requireDigest(Descriptor d) {
        if (d.digest() == null) {
            throw BerthException.invalid(op + ": a " + d.mediaType() + " descriptor has no digest");
        }
    }

    private Path layoutBlob(Path layout, Descriptor d) {
        requireDigest(d);
        return layout.resolve("blobs").resolve(d.digest().algorithm()).resolve(d.digest().hex());
    }

    private byte[] readSmall(Path file) throws IOException {
        try {
            if (Files.size(file) > MAX_JSON_BLOB) {
                throw BerthException.invalid(op + ": " + file.getFileName() + " is larger than " + MAX_JSON_BLOB + " bytes");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw BerthException.invalid(op + ": layout file " + source.relativize(file) + " is missing");
        }
    }

    private Optional<String> defaultName(String refName) {
        if (refName == null || refName.isEmpty()) {
            return Optional.empty();
        }
        try {
            if (refName.contains("/") || refName.contains(":")) {
                return Optional.of(ImageReference.normalize(refName).toString());
            }
            String stem = source.getFileName().toString();
            if (Files.isRegularFile(source) && stem.endsWith(".tar")) {
                stem = stem.substring(0, stem.length() - 4);
            }
            return Optional.of(ImageReference.normalize(stem.toLowerCase(Locale.ROOT) + ":" + refName).toString());
        } catch (BerthException notAName) {
            return Optional.empty();
        }
    }

    static Instant created(ImageConfig config) {
        if (config.created() != null) {
            try {
                return java.time.OffsetDateTime.parse(config.created()).toInstant();
            } catch (DateTimeParseException ignored) {
                // fall through to the import time
            }
        }
        return Instant.now();
    }

    /**
     * Extracts the parts of an oci-archive that make a layout: oci-layout, index.json and blobs/sha256/<hex>
     * as regular files. Names are matched exactly, so nothing lands outside {@code into}.
     */
    private void extractArchive(Path archive, Path into) throws IOException {
        Files.createDirectories(into.resolve("blobs/sha256"));
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive));
             TarArchiveInputStream tar = new TarArchiveInputStream(raw)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                String n = e.getName();
                while (n.startsWith("./")) n = n.substring(2);
                if (!e.isFile()) continue;
                if (n.equals("oci-layout") || n.equals("index.json") || LAYOUT_BLOB.matcher(n).matches()) {
                    Files.copy(tar, into.resolve(n), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw BerthException.invalid(op + ": read oci-archive: " + e.getMessage());
        }
        if (!Files.exists(into.resolve("oci-layout"))) {
            throw BerthException.invalid(op + ": not an oci-archive (no oci-layout entry)");
        }
    }

    static List<Digest> blobsOf(Manifest m, Digest manifestDigest) {
        List<Digest> out = new ArrayList<>();
        out.add(manifestDigest);
        if (m.config() != null) out.add(m.config().digest());
        if (m.layers() != null) m.layers().forEach(l -> out.add(l.digest()));
        return out;
    }
}
