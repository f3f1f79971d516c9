package dev.berth.daemon.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.berth.cgroups.factory.CgroupManagers;
import dev.berth.daemon.api.SocketAccess;
import dev.berth.image.LayerUnpacker;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * berthd's configuration: /etc/berth/berth.toml then /etc/berth/berth.toml.d/*.toml, every key optional
 * with the default below. Command-line flags override the paths and the log level. {@code runtimes} maps CRI
 * runtime handler names to runc-compatible binaries (e.g. {@code crun = "/usr/bin/crun"}), next to the default
 * {@code runtime}. {@code socket_group} is the group that may use both sockets beside root (0660 root:GROUP).
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record DaemonConfig(
        @JsonProperty("root") Path root,
        @JsonProperty("run_root") Path runRoot,
        @JsonProperty("socket") Path socket,
        @JsonProperty("cri_socket") Path criSocket,
        @JsonProperty("socket_group") String socketGroup,
        @JsonProperty("log_level") String logLevel,
        @JsonProperty("runtime") String runtime,
        @JsonProperty("shim_path") String shimPath,
        @JsonProperty("cgroup_manager") String cgroupManager,
        @JsonProperty("cgroup_parent") String cgroupParent,
        @JsonProperty("log_max_size") Long logMaxSize,
        @JsonProperty("log_max_files") Integer logMaxFiles,
        @JsonProperty("builtin_image") Path builtinImage,
        @JsonProperty("hooks_dirs") List<Path> hooksDirs,
        @JsonProperty("stop_timeout") Integer stopTimeout,
        @JsonProperty("registries_config") Path registriesConfig,
        @JsonProperty("resource_views") Path resourceViews,
        @JsonProperty("resource_views_default") Boolean resourceViewsDefault,
        @JsonProperty("metrics_port") Integer metricsPort,
        @JsonProperty("pause_path") String pausePath,
        @JsonProperty("cni_conf_dir") Path cniConfDir,
        @JsonProperty("cni_bin_dirs") List<Path> cniBinDirs,
        @JsonProperty("stream_address") String streamAddress,
        @JsonProperty("stream_port") Integer streamPort,
        @JsonProperty("layer_max_bytes") Long layerMaxBytes,
        @JsonProperty("layer_max_entries") Long layerMaxEntries,
        @JsonProperty("runtimes") Map<String, String> runtimes,
        @JsonProperty("max_connections") Integer maxConnections,
        @JsonProperty("connection_idle_timeout") Integer connectionIdleTimeout) {

    public static final Path DEFAULT_CONFIG = Path.of("/etc/berth/berth.toml");

    /** Fills every key the file left out with its default. */
    public DaemonConfig withDefaults() {
        return new DaemonConfig(
                or(root, Path.of("/var/lib/berth")),
                or(runRoot, Path.of("/run/berth")),
                socket,
                criSocket,
                or(socketGroup, SocketAccess.DEFAULT_GROUP),
                or(logLevel, "info"),
                or(runtime, "runc"),
                or(shimPath, "berth-shim"),
                or(cgroupManager, CgroupManagers.defaultDriver()),
                or(cgroupParent, "berth"),
                or(logMaxSize, 10L * 1024 * 1024),
                or(logMaxFiles, 2),
                or(builtinImage, Path.of("/usr/local/share/berth/images/busybox")),
                or(hooksDirs, List.of(Path.of("/usr/share/containers/oci/hooks.d"),
                        Path.of("/etc/containers/oci/hooks.d"))),
                or(stopTimeout, 10),
                or(registriesConfig, Path.of("/etc/berth/registries.toml")),
                or(resourceViews, Path.of("/var/lib/berth-viewfs")),
                or(resourceViewsDefault, true),
                or(metricsPort, 0),
                or(pausePath, "berth-pause"),
                or(cniConfDir, Path.of("/etc/cni/net.d")),
                or(cniBinDirs, List.of(Path.of("/opt/cni/bin"), Path.of("/usr/lib/cni"))),
                or(streamAddress, "127.0.0.1"),
                or(streamPort, 0),
                or(layerMaxBytes, LayerUnpacker.DEFAULT_MAX_BYTES),
                or(layerMaxEntries, LayerUnpacker.DEFAULT_MAX_ENTRIES),
                or(runtimes, Map.of()),
                or(maxConnections, defaultMaxConnections(openFilesLimit())),
                or(connectionIdleTimeout, 300));
    }

    /** File descriptors kept for everything but client connections: runc, shims, logs, cgroup files, CNI. */
    static final int FDS_RESERVED = 1024;

    /**
     * A quarter of what the open-files limit leaves past {@link #FDS_RESERVED}, per socket: the two sockets'
     * connections, and the log file or shim socket a stream holds for each, stay under half of it, so that
     * exits are still cleaned up (runc delete, cgroup removal) when clients hold every connection allowed.
     */
    static int defaultMaxConnections(long openFilesLimit) {
        return (int) Math.max(16, Math.min(Integer.MAX_VALUE, (openFilesLimit - FDS_RESERVED) / 4));
    }

    /**
     * berthd's RLIMIT_NOFILE: the JVM raises the soft limit to the hard one as it starts (-XX:+MaxFDLimit, on by
     * default), which needs no CAP_SYS_RESOURCE.
     */
    private static long openFilesLimit() {
        return ((com.sun.management.UnixOperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getMaxFileDescriptorCount();
    }

    public Path socketPath() {
        return socket != null ? socket : runRoot.resolve("berth.sock");
    }

    /** The Kubernetes CRI gRPC socket, separate from the REST API's: kubelet is pointed at it alone. */
    public Path criSocketPath() {
        return criSocket != null ? criSocket : runRoot.resolve("cri.sock");
    }

    /** The sockets spelled out, so that printing or comparing configs shows the paths berthd serves on. */
    public DaemonConfig withSocketResolved() {
        return withPaths(null, null, socketPath()).withCriSocket(criSocketPath());
    }

    public DaemonConfig withCriSocket(Path path) {
        return new DaemonConfig(root, runRoot, socket, or(path, criSocket), socketGroup, logLevel, runtime, shimPath,
                cgroupManager, cgroupParent, logMaxSize, logMaxFiles, builtinImage, hooksDirs, stopTimeout,
                registriesConfig, resourceViews, resourceViewsDefault, metricsPort,
                pausePath, cniConfDir, cniBinDirs, streamAddress, streamPort, layerMaxBytes, layerMaxEntries, runtimes,
                maxConnections, connectionIdleTimeout);
    }

    public DaemonConfig withLogLevel(String level) {
        return new DaemonConfig(root, runRoot, socket, criSocket, socketGroup, or(level, logLevel), runtime, shimPath, cgroupManager,
                cgroupParent, logMaxSize, logMaxFiles, builtinImage, hooksDirs, stopTimeout, registriesConfig,
                resourceViews, resourceViewsDefault, metricsPort,
                pausePath, cniConfDir, cniBinDirs, streamAddress, streamPort, layerMaxBytes, layerMaxEntries, runtimes,
                maxConnections, connectionIdleTimeout);
    }

    public DaemonConfig withPaths(Path root, Path runRoot, Path socket) {
        return new DaemonConfig(or(root, this.root), or(runRoot, this.runRoot), or(socket, this.socket), criSocket,
                socketGroup, logLevel, runtime, shimPath, cgroupManager, cgroupParent, logMaxSize, logMaxFiles,
                builtinImage, hooksDirs, stopTimeout, registriesConfig, resourceViews, resourceViewsDefault, metricsPort,
                pausePath, cniConfDir, cniBinDirs, streamAddress, streamPort, layerMaxBytes, layerMaxEntries, runtimes,
                maxConnections, connectionIdleTimeout);
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }
}
