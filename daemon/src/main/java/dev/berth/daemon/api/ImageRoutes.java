package dev.berth.daemon.api;

import dev.berth.daemon.api.model.ImageImport;
import dev.berth.daemon.api.model.ImagePull;
import dev.berth.image.PullOptions;
import dev.berth.image.registry.RegistriesConfig;
import dev.berth.image.registry.RegistryCredentials;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import dev.berth.daemon.api.model.ImageSummary;
import dev.berth.daemon.container.ContainerService;
import dev.berth.image.ImageRecord;
import dev.berth.image.ImageStore;
import dev.berth.image.PullProgress;
import dev.berth.oci.BerthException;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.file.Path;
import java.util.Optional;

/** /v1/images: the REST edge of the {@link ImageStore}. */
public final class ImageRoutes {
    private static final String ONE = "/v1/images/(.+)";
    private static final System.Logger LOG = System.getLogger(ImageRoutes.class.getName());

    private final ImageStore images;
    private final ContainerService containers;
    private final Supplier<RegistriesConfig> registries;
    private final Function<String, RegistryCredentials> storedCredentials;
    private final PullListener pulls;

    /** Told of each pull's outcome and of each layer it downloaded (the metrics). */
    public interface PullListener {
        PullListener NONE = new PullListener() {
            @Override
            public void pulled(boolean ok) {
            }

            @Override
            public void layerDownloaded(long bytes) {
            }
        };

        void pulled(boolean ok);

        void layerDownloaded(long bytes);
    }

    /** {@code storedCredentials}: those of {@code berth login} by registry host, for pulls that bring none. */
    public ImageRoutes(ImageStore images, ContainerService containers, Supplier<RegistriesConfig> registries,
            Function<String, RegistryCredentials> storedCredentials, PullListener pulls) {
        this.images = images;
        this.pulls = pulls;
        this.containers = containers;
        this.registries = registries;
        this.storedCredentials = storedCredentials;
    }

    public void register(ApiHandler.Routes routes) {
        routes.add("GET", "/v1/images", (ex, m) -> ex.json(HttpResponseStatus.OK,
                        images.list().stream().map(r -> summary(r, false)).toList()))
                .add("POST", "/v1/images/import", (ex, m) -> importImage(ex))
                .add("POST", "/v1/images/pull", (ex, m) -> pull(ex))
                .add("POST", "/v1/images/prune", (ex, m) -> {
                    ImageStore.PruneResult r = images.prune(ex.flag("all"), containers::imageInUse);
                    ex.json(HttpResponseStatus.OK, Map.of("removed", r.removed(), "reclaimed", r.reclaimed()));
                })
                .add("GET", ONE, (ex, m) -> ex.json(HttpResponseStatus.OK, summary(resolve(m.group(1)), true)))
                .add("DELETE", ONE, (ex, m) -> {
                    remove(m.group(1), ex.flag("force"));
                    ex.noContent();
                });
    }

    private void importImage(Exchange ex) {
        ImageImport request = ex.body(ImageImport.class);
        if (request.path() == null || !Path.of(request.path()).isAbsolute()) {
            throw BerthException.invalid("import image: an absolute path is required");
        }
        ImageRecord record = images.importImage(Path.of(request.path()), Optional.ofNullable(request.name()));
        ex.json(HttpResponseStatus.CREATED, summary(record, false));
    }

    /**
     * Streams progress as JSON lines ({"status","digest","bytesDone","bytesTotal"}) and ends with
     * {"image": ImageSummary} or {"error": message}: the status line went out before the outcome was known.
     */
    private void pull(Exchange ex) {
        ImagePull request = ex.body(ImagePull.class);
        if (request.reference() == null || request.reference().isBlank()) {
            throw BerthException.invalid("pull image: a reference is required");
        }
        PullOptions options = PullOptions.defaults().withRegistries(registries.get())
                .withPlatform(request.platform())
                .withStoredCredentials(storedCredentials)
                .withCredentials(request.username() == null ? RegistryCredentials.ANONYMOUS
                        : RegistryCredentials.basic(request.username(), request.password()));
        ex.startJsonLines();
        try {
            ImageRecord record = images.pull(request.reference(), options, event -> {
                if (event.status() == PullProgress.Status.VERIFIED) {
                    pulls.layerDownloaded(event.bytesTotal());
                }
                ex.jsonLine(Map.of(
                        "status", event.status().name().toLowerCase(Locale.ROOT),
                        "digest", String.valueOf(event.digest()),
                        "bytesDone", event.bytesDone(), "bytesTotal", event.bytesTotal()));
            });
            pulls.pulled(true);
            ex.jsonLine(Map.of("image", summary(record, false)));
        } catch (BerthException e) {
            pulls.pulled(false);
            LOG.log(System.Logger.Level.WARNING, e.getMessage());
            ex.jsonLine(Map.of("error", e.getMessage()));
        } finally {
            ex.endJsonLines();
        }
    }

    /** With force, an image a container uses is only untagged: its layers are that container's rootfs. */
    private void remove(String ref, boolean force) {
        ImageRecord record = resolve(ref);
        if (!force && containers.imageInUse(record.id())) {
            throw BerthException.conflict("remove image " + ref + ": it is used by a container (force to untag)");
        }
        images.remove(ref, containers::imageInUse);
    }

    private ImageRecord resolve(String ref) {
        return images.resolve(ref).orElseThrow(() -> BerthException.notFound("no such image: " + ref));
    }

    private ImageSummary summary(ImageRecord r, boolean withConfig) {
        return new ImageSummary(r.id(), r.names(), r.manifestDigest().toString(), r.size(), r.created(),
                withConfig ? images.config(r) : null);
    }
}
