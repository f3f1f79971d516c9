package dev.berth.image;

import dev.berth.image.registry.RegistriesConfig;
import dev.berth.image.registry.RegistryCredentials;

import java.util.function.Function;

/**
 * How to pull: credentials (anonymous when null), else the stored credentials for the registry host pulled
 * from ({@code storedCredentials}, keyed by {@link dev.berth.image.registry.RegistryEndpoint#host()}; may
 * answer null), the platform to choose from an index ({@code os/arch[/variant]},
 * the host's when null), where registries are ({@link RegistriesConfig#defaults()} when null), and how many
 * layers download at once.
 */
public record PullOptions(RegistryCredentials credentials, String platform, RegistriesConfig registries,
                          int parallelDownloads, Function<String, RegistryCredentials> storedCredentials) {
    /**
     * Layers at once, each a download thread and an unpack thread. Three, as Docker: on 2 cores a layer's
     * work is CPU (inflate, tar) and file creation, which the kernel serializes (300 symlinks: 105 ms from one
     * thread, 211 ms from two), so six were no faster, nor two slower (bench/pull.sh, docs/benchmarks.md,
     * 2026-12-06).
     */
    public static final int DEFAULT_PARALLEL_DOWNLOADS = 3;

    public PullOptions {
        credentials = credentials == null ? RegistryCredentials.ANONYMOUS : credentials;
        registries = registries == null ? RegistriesConfig.defaults() : registries;
        parallelDownloads = parallelDownloads <= 0 ? DEFAULT_PARALLEL_DOWNLOADS : parallelDownloads;
        storedCredentials = storedCredentials == null ? host -> null : storedCredentials;
        if (platform != null) {
            Platforms.parse(platform);
        }
    }

    public static PullOptions defaults() {
        return new PullOptions(null, null, null, DEFAULT_PARALLEL_DOWNLOADS, null);
    }

    public PullOptions withCredentials(RegistryCredentials c) {
        return new PullOptions(c, platform, registries, parallelDownloads, storedCredentials);
    }

    public PullOptions withPlatform(String p) {
        return new PullOptions(credentials, p, registries, parallelDownloads, storedCredentials);
    }

    public PullOptions withRegistries(RegistriesConfig r) {
        return new PullOptions(credentials, platform, r, parallelDownloads, storedCredentials);
    }

    public PullOptions withStoredCredentials(Function<String, RegistryCredentials> byHost) {
        return new PullOptions(credentials, platform, registries, parallelDownloads, byHost);
    }

    /** The request's credentials when it has any, else those stored for {@code host}, else anonymous. */
    public RegistryCredentials credentialsFor(String host) {
        if (!credentials.equals(RegistryCredentials.ANONYMOUS)) {
            return credentials;
        }
        RegistryCredentials stored = storedCredentials.apply(host);
        return stored == null ? RegistryCredentials.ANONYMOUS : stored;
    }

    public PullOptions withParallelDownloads(int n) {
        return new PullOptions(credentials, platform, registries, n, storedCredentials);
    }
}
