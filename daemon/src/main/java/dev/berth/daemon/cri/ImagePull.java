package dev.berth.daemon.cri;

import dev.berth.cri.v1.AuthConfig;
import dev.berth.cri.v1.PullImageRequest;
import dev.berth.cri.v1.PullImageResponse;
import dev.berth.daemon.api.ImageRoutes;
import dev.berth.image.ImageRecord;
import dev.berth.image.ImageReference;
import dev.berth.image.ImageStore;
import dev.berth.image.PullOptions;
import dev.berth.image.PullProgress;
import dev.berth.image.registry.RegistriesConfig;
import dev.berth.image.registry.RegistryCredentials;
import dev.berth.oci.BerthException;
import java.util.function.Function;
import java.util.function.Supplier;

/** ImageService.PullImage, through the same registries config and stored logins as the REST API's pull. */
final class ImagePull {
    private final ImageStore images;
    private final Supplier<RegistriesConfig> registries;
    private final Function<String, RegistryCredentials> storedCredentials;
    private final ImageRoutes.PullListener pulls;

    ImagePull(ImageStore images, Supplier<RegistriesConfig> registries,
            Function<String, RegistryCredentials> storedCredentials, ImageRoutes.PullListener pulls) {
        this.images = images;
        this.registries = registries;
        this.storedCredentials = storedCredentials;
        this.pulls = pulls;
    }

    PullImageResponse call(PullImageRequest request) {
        String ref = request.getImage().getImage();
        if (ref.isEmpty()) {
            throw BerthException.invalid("pull image: the image reference is empty");
        }
        // Refused here, before the pull's own messages quote the whole reference ahead of saying what it is.
        ImageReference.parse(ref);
        PullOptions options = PullOptions.defaults().withRegistries(registries.get())
                .withStoredCredentials(storedCredentials)
                .withCredentials(credentials(request.getAuth()));
        ImageRecord record;
        try {
            record = images.pull(ref, options, event -> {
                if (event.status() == PullProgress.Status.VERIFIED) {
                    pulls.layerDownloaded(event.bytesTotal());
                }
            });
        } catch (RuntimeException e) {
            pulls.pulled(false);
            throw e;
        }
        pulls.pulled(true);
        return PullImageResponse.newBuilder().setImageRef(record.id()).build();
    }

    /**
     * kubelet sends user and password, or the docker-config {@code auth} (base64 user:password) instead; either
     * may come with an identity token (to exchange at the token endpoint) or a registry token (sent as is).
     * All empty means anonymous, so that a login stored with {@code berth login} still applies.
     */
    static RegistryCredentials credentials(AuthConfig auth) {
        RegistryCredentials basic = !auth.getAuth().isEmpty() ? RegistryCredentials.fromAuth(auth.getAuth())
                : !auth.getUsername().isEmpty() ? RegistryCredentials.basic(auth.getUsername(), auth.getPassword())
                : RegistryCredentials.ANONYMOUS;
        String identity = emptyToNull(auth.getIdentityToken());
        String registry = emptyToNull(auth.getRegistryToken());
        if (identity == null && registry == null) {
            return basic;
        }
        return new RegistryCredentials(basic.username(), basic.password(), identity, registry);
    }

    private static String emptyToNull(String s) {
        return s.isEmpty() ? null : s;
    }
}
