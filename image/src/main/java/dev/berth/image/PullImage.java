package dev.berth.image;

import dev.berth.image.registry.RegistriesConfig;
import dev.berth.image.registry.RegistryClient;
import dev.berth.image.registry.RegistryTransport;
import dev.berth.oci.BerthException;
import dev.berth.oci.failpoint.FailPoints;
import dev.berth.oci.json.OciJson;
import dev.berth.oci.spec.image.Descriptor;
import dev.berth.oci.spec.image.Digest;
import dev.berth.oci.spec.image.ImageConfig;
import dev.berth.oci.spec.image.Index;
import dev.berth.oci.spec.image.Manifest;
import dev.berth.oci.spec.image.MediaTypes;
import dev.berth.oci.spec.image.Platform;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Pulls an image from an OCI distribution registry into an {@link ImageStore}.
 *
 * <p>Where from: a name with a domain from that registry; a short name from each unqualified-search registry
 * in turn. For each, the registries config gives the mirrors and then the origin; the next one is tried when
 * one does not have the image or cannot be reached. An index is resolved to the requested platform (the
 * host's by default).
 *
 * <p>Blobs stream into the blob store, which checks size and digest as they arrive; layers download in
 * parallel (bounded) and are unpacked under the layer store's per-diff-id lock, so concurrent pulls sharing a
 * layer fetch and unpack it once, and a layer already in the store is not fetched at all. A layer is unpacked
 * while it downloads, from the bytes on their way to the blob store ({@link BlobInFlight}), into the layer
 * store's work dir: the unpack cannot end, and the layer cannot enter the store, before the blob is verified.
 * On any failure the blobs and layers this pull created and no image references are deleted, and nothing is
 * registered.
 */
final class PullImage {
    private static final long PROGRESS_STEP = 256 << 10;
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final System.Logger LOG = System.getLogger(PullImage.class.getName());
    /** Tries per blob when the connection is lost mid-blob; each resumes where the last one stopped. */
    static final int MAX_BLOB_ATTEMPTS = 3;
    private static final long RETRY_PAUSE_MILLIS = 200;

    private final ImageStore store;
    private final RegistryTransport transport;
    private final String reference;
    private final PullOptions options;
    private final PullProgress progress;
    private final String op;

    PullImage(ImageStore store, RegistryTransport transport, String reference, PullOptions options, PullProgress progress) {
        this.store = store;
        this.transport = transport;
        this.reference = reference;
        this.options = options == null ? PullOptions.defaults() : options;
        this.progress = progress == null ? PullProgress.NONE : progress;
        this.op = "pull " + reference;
    }

    ImageRecord run() {
        List<ImageReference> names = candidates();
        List<String> tried = new ArrayList<>();
        BerthException last = null;
        for (ImageReference name : names) {
            for (RegistriesConfig.Source source : options.registries().sources(name.domain(), name.path())) {
                try {
                    return pullFrom(name, source);
                } catch (BerthException e) {
                    if (e.kind() != BerthException.Kind.NOT_FOUND && e.kind() != BerthException.Kind.UNAVAILABLE) {
                        throw e;
                    }
                    tried.add(source.endpoint().host() + "/" + source.repository());
                    last = e;
                }
            }
        }
        if (tried.size() == 1) {
            throw last;
        }
        throw new BerthException(last.kind(), op + ": tried " + tried + "; last error: " + last.getMessage(), last);
    }

    private List<ImageReference> candidates() {
        ImageReference parsed;
        try {
            parsed = ImageReference.parse(reference);
        } catch (BerthException e) {
            throw new BerthException(BerthException.Kind.INVALID_ARGUMENT, op + ": " + e.getMessage(), e);
        }
        if (!parsed.domain().isEmpty()) {
            return List.of(parsed.normalized());
        }
        List<ImageReference> out = new ArrayList<>();
        for (String registry : options.registries().unqualifiedSearchRegistries()) {
            out.add(ImageReference.normalize(registry + "/" + reference));
        }
        if (out.isEmpty()) {
            throw BerthException.invalid(op + ": a name without a registry needs unqualified-search-registries "
                    + "in the registries config");
        }
        return out;
    }

    private ImageRecord pullFrom(ImageReference name, RegistriesConfig.Source source) {
        RegistryClient client = new RegistryClient(transport, source.endpoint(), source.repository(),
                options.credentialsFor(source.endpoint().host()), op);
        RegistryClient.PulledManifest pulled = resolveManifest(client, name.digest().orElse(
                name.tag().orElse(ImageReference.DEFAULT_TAG)));
        Manifest manifest = OciJson.read(pulled.content(), Manifest.class, op + ": manifest " + pulled.digest());
        List<Descriptor> layers = checkManifest(manifest, pulled.digest());
        progress.onEvent(new PullProgress.Event(reference, pulled.digest(), PullProgress.Status.RESOLVED, 0,
                layers.stream().mapToLong(Descriptor::size).sum()));

        Set<Digest> createdBlobs = ConcurrentHashMap.newKeySet();
        Set<Digest> createdLayers = ConcurrentHashMap.newKeySet();
        try {
            store.lock().readLock().lock();
            try {
                Descriptor manifestDesc = new Descriptor(pulled.mediaType(), pulled.digest(), pulled.content().length);
                fetchBlob(manifestDesc, BlobStore.fromStart(new ByteArrayInputStream(pulled.content())), createdBlobs);
                fetchBlob(manifest.config(), offset -> content(client.pullBlob(manifest.config().digest(), offset, null)),
                        createdBlobs);
                ImageConfig config = OciJson.read(store.blobs().read(manifest.config().digest(), ImportImage.MAX_JSON_BLOB, op),
                        ImageConfig.class, op + ": config " + manifest.config().digest());
                List<Digest> diffIds = config.rootfs() == null || config.rootfs().diffIds() == null
                        ? List.of() : config.rootfs().diffIds();
                if (diffIds.size() != layers.size()) {
                    throw BerthException.invalid(op + ": config lists " + diffIds.size() + " diff_ids for "
                            + layers.size() + " layers");
                }
                downloadLayers(client, layers, diffIds, createdBlobs, createdLayers);
                FailPoints.hit("pull.after-layers");
                long size = diffIds.stream().mapToLong(store.layers()::size).sum();
                ImageRecord record = new ImageRecord(manifest.config().digest().toString(), List.of(), pulled.digest(),
                        manifest.config().digest(), diffIds, size, ImportImage.created(config));
                ImageRecord registered = store.register(record, Optional.of(name.toString()));
                FailPoints.hit("pull.after-register");
                return registered;
            } finally {
                store.lock().readLock().unlock();
            }
        } catch (RuntimeException e) {
            store.collectGarbage(createdBlobs, createdLayers);
            throw e;
        }
    }

    /** The manifest for {@code ref}, going through (nested) indexes to the wanted platform's manifest. */
    private RegistryClient.PulledManifest resolveManifest(RegistryClient client, String ref) {
        RegistryClient.PulledManifest m = client.pullManifest(ref, ImportImage.MAX_JSON_BLOB);
        Platform want = options.platform() == null ? ImageStore.hostPlatform() : Platforms.parse(options.platform());
        for (int depth = 0; MediaTypes.isIndex(m.mediaType()); depth++) {
            if (depth >= ImportImage.MAX_INDEX_DEPTH) {
                throw BerthException.invalid(op + ": image indexes nested deeper than " + ImportImage.MAX_INDEX_DEPTH);
            }
            Descriptor d = Platforms.choose(OciJson.read(m.content(), Index.class, op + ": index " + m.digest()), want, op);
            m = client.pullManifest(d.digest().toString(), ImportImage.MAX_JSON_BLOB);
            if (m.content().length != d.size()) {
                throw BerthException.invalid(op + ": manifest " + d.digest() + " has " + m.content().length
                        + " bytes, the index says " + d.size());
            }
        }
        if (!MediaTypes.isManifest(m.mediaType())) {
            throw BerthException.invalid(op + ": unsupported manifest media type '" + m.mediaType()
                    + "' (OCI and Docker schema2 images only)");
        }
        return m;
    }

    /** Refuses what cannot become a container image before anything is fetched; returns the layers. */
    private List<Descriptor> checkManifest(Manifest manifest, Digest digest) {
        if (manifest.config() == null || manifest.config().digest() == null) {
            throw BerthException.invalid(op + ": manifest " + digest + " has no config");
        }
        String configType = manifest.config().mediaType();
        if (configType != null && !MediaTypes.isConfig(configType)) {
            throw BerthException.invalid(op + ": not a container image: config media type " + configType);
        }
        List<Descriptor> layers = manifest.layers() == null ? List.of() : manifest.layers();
        for (Descriptor layer : layers) {
            if (layer.digest() == null) {
                throw BerthException.invalid(op + ": a layer of manifest " + digest + " has no digest");
            }
            if (MediaTypes.isNondistributable(layer.mediaType())) {
                throw BerthException.invalid(op + ": layer " + layer.digest() + " is a foreign (non-distributable) layer "
                        + layer.mediaType() + "; Berth does not fetch layers from outside the registry");
            }
            if (MediaTypes.layerCompression(layer.mediaType()) == null) {
                throw BerthException.invalid(op + ": layer " + layer.digest() + " has unsupported media type "
                        + layer.mediaType());
            }
        }
        return layers;
    }

    private void downloadLayers(RegistryClient client, List<Descriptor> layers, List<Digest> diffIds,
                                Set<Digest> createdBlobs, Set<Digest> createdLayers) {
        if (layers.isEmpty()) {
            return;
        }
        // Two threads a layer: one unpacks (the pool's), one downloads into the blob store (downloads').
        int parallel = Math.min(options.parallelDownloads(), layers.size());
        ExecutorService pool = newPool(parallel);
        ExecutorService downloads = newPool(parallel);
        CompletionService<Void> done = new ExecutorCompletionService<>(pool);
        List<Future<Void>> futures = new ArrayList<>();
        try {
            for (int i = 0; i < layers.size(); i++) {
                Descriptor layer = layers.get(i);
                Digest diffId = diffIds.get(i);
                futures.add(done.submit(() -> {
                    pullLayer(client, layer, diffId, createdBlobs, createdLayers, downloads);
                    return null;
                }));
            }
            for (int i = 0; i < layers.size(); i++) {
                done.take().get();
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw BerthException.internal(op + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(BerthException.Kind.UNAVAILABLE, op + ": interrupted", e);
        } finally {
            futures.forEach(f -> f.cancel(true));
            pool.shutdownNow();
            downloads.shutdownNow();
            awaitQuietly(pool);
            awaitQuietly(downloads);
        }
    }

    private static ExecutorService newPool(int threads) {
        return Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "berth-pull-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** The cleanup that follows a failure must not race layers still being written. */
    private void awaitQuietly(ExecutorService pool) {
        boolean interrupted = false;
        while (true) {
            try {
                if (pool.awaitTermination(1, TimeUnit.MINUTES)) break;
                LOG.log(System.Logger.Level.WARNING,
                        op + ": waiting for layer downloads to stop");
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    private static BlobStore.Content content(RegistryClient.BlobStream blob) {
        return new BlobStore.Content(blob.body(), blob.offset());
    }

    /**
     * Downloads the layer's blob on a {@code downloads} thread while this one unpacks it as it arrives; when
     * the unpack has to start over (see {@link BlobInFlight}) it unpacks the stored blob once it is there.
     */
    private void pullLayer(RegistryClient client, Descriptor layer, Digest diffId, Set<Digest> createdBlobs,
                           Set<Digest> createdLayers, ExecutorService downloads) {
        long total = layer.size();
        if (store.layers().has(diffId)) {
            progress.onEvent(new PullProgress.Event(reference, layer.digest(), PullProgress.Status.EXISTS, total, total));
            return;
        }
        BlobInFlight inFlight = new BlobInFlight(total, op + ": layer " + layer.digest());
        AtomicReference<Future<?>> download = new AtomicReference<>();
        LayerStore.BlobOpener stored = () -> Files.newInputStream(store.blobs().path(layer.digest()));
        boolean created;
        try {
            created = store.layers().ensure(diffId, layer.digest(), () -> {
                if (store.blobs().has(layer.digest())) {
                    return stored.open();
                }
                download.set(downloads.submit(() -> downloadLayer(client, layer, createdBlobs, inFlight)));
                return inFlight;
            });
        } catch (BerthException e) {
            inFlight.close();
            awaitDownload(download);
            // The download is verified: an unpack that failed on bytes read before a restart gets another go.
            if (!inFlight.startedOver()) {
                throw e;
            }
            created = store.layers().ensure(diffId, layer.digest(), stored);
        }
        awaitDownload(download);
        if (created) {
            createdLayers.add(diffId);
        }
        progress.onEvent(new PullProgress.Event(reference, layer.digest(),
                created ? PullProgress.Status.EXTRACTED : PullProgress.Status.EXISTS, total, total));
    }

    private void downloadLayer(RegistryClient client, Descriptor layer, Set<Digest> createdBlobs, BlobInFlight inFlight) {
        long total = layer.size();
        long[] reported = {0};
        try {
            fetchBlob(layer, offset -> content(client.pullBlob(layer.digest(), offset, bytes -> {
                if (bytes - reported[0] >= PROGRESS_STEP || bytes == total) {
                    reported[0] = bytes;
                    progress.onEvent(new PullProgress.Event(reference, layer.digest(), PullProgress.Status.DOWNLOADING,
                            bytes, total));
                }
            })), createdBlobs, inFlight);
        } catch (RuntimeException e) {
            inFlight.failed(e);
            throw e;
        }
        progress.onEvent(new PullProgress.Event(reference, layer.digest(), PullProgress.Status.VERIFIED, total, total));
        inFlight.verified();
    }

    /** Waits for the layer's download, if one was started, and throws its error. */
    private void awaitDownload(AtomicReference<Future<?>> download) {
        if (download.get() == null) {
            return;
        }
        try {
            download.get().get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw BerthException.internal(op + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(BerthException.Kind.UNAVAILABLE, op + ": interrupted", e);
        }
    }

    private void fetchBlob(Descriptor d, BlobStore.Source source, Set<Digest> createdBlobs) {
        fetchBlob(d, source, createdBlobs, BlobStore.Tap.NONE);
    }

    /**
     * Stores a blob unless present; the blob store checks its size and digest while it streams in, showing
     * the bytes to {@code tap}. A connection lost mid-blob is retried, resuming after the bytes already written.
     */
    private void fetchBlob(Descriptor d, BlobStore.Source source, Set<Digest> createdBlobs, BlobStore.Tap tap) {
        for (int attempt = 1; ; attempt++) {
            if (store.blobs().has(d.digest())) {
                return;
            }
            try {
                if (store.blobs().ingest(source, d.digest(), d.size(), op, tap)) {
                    createdBlobs.add(d.digest());
                    FailPoints.hit("pull.after-blob");
                }
                return;
            } catch (BerthException e) {
                if (e.kind() != BerthException.Kind.UNAVAILABLE || attempt >= MAX_BLOB_ATTEMPTS) {
                    throw e;
                }
                LOG.log(System.Logger.Level.INFO, op + ": blob " + d.digest() + ": attempt " + attempt + " of "
                        + MAX_BLOB_ATTEMPTS + " failed, resuming: " + e.getMessage());
                pause(RETRY_PAUSE_MILLIS * attempt);
            }
        }
    }

    private void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(BerthException.Kind.UNAVAILABLE, op + ": interrupted", e);
        }
    }
}
