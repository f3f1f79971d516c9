package dev.berth.image;

import dev.berth.image.registry.RegistriesConfig;
import dev.berth.image.registry.RegistryCredentials;

/**
 * How to pull: credentials (anonymous when null), the platform to choose from an index ({@code os/arch[/variant]},
 * the host's when null), where registries are ({@link RegistriesConfig#defaults()} when null), and how many
 * layers download at once.
 */
public record PullOptions(RegistryCredentials credentials, String platform, RegistriesConfig registries,
                          int parallelDownloads) {
    public static final int DEFAULT_PARALLEL_DOWNLOADS = 3;

    public PullOptions {
        credentials = credentials == null ? RegistryCredentials.ANONYMOUS : credentials;
        registries = registries == null ? RegistriesConfig.defaults() : registries;
        parallelDownloads = parallelDownloads <= 0 ? DEFAULT_PARALLEL_DOWNLOADS : parallelDownloads;
        if (platform != null) {
            Platforms.parse(platform);
        }
    }

    public static PullOptions defaults() {
        return new PullOptions(null, null, null, DEFAULT_PARALLEL_DOWNLOADS);
    }

    public PullOptions withCredentials(RegistryCredentials c) {
        return new PullOptions(c, platform, registries, parallelDownloads);
    }

    public PullOptions withPlatform(String p) {
        return new PullOptions(credentials, p, registries, parallelDownloads);
    }

    public PullOptions withRegistries(RegistriesConfig r) {
        return new PullOptions(credentials, platform, r, parallelDownloads);
    }

    public PullOptions withParallelDownloads(int n) {
        return new PullOptions(credentials, platform, registries, n);
    }
}
