package dev.berth.daemon.bootstrap;

import dev.berth.cgroups.CgroupDetector;
import dev.berth.cgroups.CgroupLayout;
import dev.berth.cgroups.CgroupManager;
import dev.berth.cgroups.factory.CgroupManagers;
import dev.berth.cgroups.systemd.SdNotify;
import dev.berth.cgroups.systemd.Watchdog;
import dev.berth.daemon.BerthVersion;
import dev.berth.daemon.api.ApiHandler;
import dev.berth.daemon.api.ApiServer;
import dev.berth.daemon.api.ConnectionPolicy;
import dev.berth.daemon.api.ContainerRoutes;
import dev.berth.daemon.api.EventRoutes;
import dev.berth.daemon.api.VolumeRoutes;
import dev.berth.daemon.api.ImageRoutes;
import dev.berth.daemon.api.NetworkRoutes;
import dev.berth.daemon.api.SocketAccess;
import dev.berth.daemon.api.SystemRoutes;
import dev.berth.daemon.auth.AuthRoutes;
import dev.berth.daemon.auth.AuthStore;
import dev.berth.daemon.config.ConfigLoader;
import dev.berth.daemon.config.DaemonConfig;
import dev.berth.daemon.container.BundleWriter;
import dev.berth.daemon.container.ContainerPaths;
import dev.berth.daemon.container.ContainerService;
import dev.berth.daemon.container.ResourceViews;
import dev.berth.daemon.cri.CriServer;
import dev.berth.image.LayerUnpacker;
import dev.berth.image.PrivateDirs;
import dev.berth.daemon.network.CniNetwork;
import dev.berth.daemon.network.ContainerNetworks;
import dev.berth.daemon.network.NetnsManager;
import dev.berth.daemon.pod.PodService;
import dev.berth.daemon.pod.PodStore;
import dev.berth.daemon.recovery.Recovery;
import dev.berth.oci.failpoint.FailPoints;
import dev.berth.daemon.runtime.OciRuntime;
import dev.berth.daemon.runtime.RuncRuntime;
import dev.berth.daemon.runtime.RuntimeHandlers;
import dev.berth.daemon.metrics.BerthMetrics;
import dev.berth.daemon.metrics.MetricsServer;
import dev.berth.daemon.store.ContainerState;
import dev.berth.daemon.store.ContainerStore;
import dev.berth.daemon.volume.VolumeStore;
import dev.berth.image.ImageStore;
import dev.berth.image.registry.RegistriesConfig;
import dev.berth.oci.BerthException;
import dev.berth.shim.ShimExitMonitor;
import dev.berth.shim.ShimLauncher;
import java.io.File;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** berthd: wires the stores, the runtime and the API, recovers containers, and serves until stopped. */
@Command(name = "berthd", mixinStandardHelpOptions = true, versionProvider = Berthd.Version.class,
        description = "The Berth container daemon.")
public final class Berthd implements java.util.concurrent.Callable<Integer> {
    private static final System.Logger LOG = System.getLogger(Berthd.class.getName());
    private static final String BUILTIN_IMAGE_NAME = "localhost/busybox:latest";
    /** The view server's helper, installed beside the shim; berthd uses it to bind views into running containers. */
    private static final String VIEWFS_REMOUNT = "berth-viewfs-remount";
    private static final long VIEWS_CHECK_SECONDS = 2;
    /** root:socket_group; docs/hardening.md, "Who can reach container files". */
    private static final String RUN_ROOT_MODE = "rwx--x---";

    // INHERIT: `berthd config --config F` and `berthd --config F config` both set these fields.
    @Option(names = "--config", scope = ScopeType.INHERIT,
            description = "config file, then its drop-ins FILE.d/*.toml (default: ${DEFAULT-VALUE})")
    Path config = DaemonConfig.DEFAULT_CONFIG;
    @Option(names = "--root", scope = ScopeType.INHERIT, description = "persistent state (default /var/lib/berth)")
    Path root;
    @Option(names = "--run-root", scope = ScopeType.INHERIT, description = "runtime state (default /run/berth)")
    Path runRoot;
    @Option(names = "--socket", scope = ScopeType.INHERIT, description = "REST API socket (default RUN_ROOT/berth.sock)")
    Path socket;
    @Option(names = "--cri-socket", scope = ScopeType.INHERIT,
            description = "Kubernetes CRI gRPC socket (default RUN_ROOT/cri.sock)")
    Path criSocket;
    @Option(names = "--log-level", scope = ScopeType.INHERIT, description = "trace, debug, info, warn, error")
    String logLevel;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Berthd())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    if (!(e instanceof BerthException)) {
                        throw e;
                    }
                    System.err.println("berthd: " + e.getMessage());
                    return 1;
                })
                .execute(args));
    }

    @Command(name = "config", description = "Print the effective configuration (files, drop-ins, flags and "
            + "defaults) as TOML and exit.")
    int printConfig() {
        System.out.print(ConfigLoader.toToml(loadConfig().withSocketResolved()));
        return 0;
    }

    /** The config files with the command-line flags on top; used at start and at each reload. */
    DaemonConfig loadConfig() {
        boolean explicitConfig = !config.equals(DaemonConfig.DEFAULT_CONFIG);
        return ConfigLoader.load(config, explicitConfig).withPaths(root, runRoot, socket).withCriSocket(criSocket)
                .withLogLevel(logLevel);
    }

    @Override
    public Integer call() throws Exception {
        SdNotify notify = SdNotify.fromEnvironment(System.getenv());
        DaemonConfig cfg = loadConfig();
        LogSetup.configure(cfg.logLevel());
        FailPoints.checkConfigured();
        checkRunRootLength(cfg.runRoot());
        SocketAccess socketAccess = SocketAccess.forGroup(cfg.socketGroup());
        PrivateDirs.ensure(cfg.root());
        // berth.sock and cri.sock live in RUN_ROOT: the socket group passes through it, no one else does.
        PrivateDirs.ensure(cfg.runRoot(), RUN_ROOT_MODE);
        // Before recovery, the image store or the sockets: a second berthd must touch none of them.
        DaemonLock lock = DaemonLock.acquire(List.of(cfg.root(), cfg.runRoot()),
                List.of(cfg.socketPath(), cfg.criSocketPath()));
        Files.setAttribute(cfg.runRoot(), "unix:gid", socketAccess.gid());
        PrivateDirs.ensure(ContainerPaths.shimsDir(cfg.runRoot()));

        CgroupLayout layout = CgroupDetector.detect();
        CgroupManager cgroups = CgroupManagers.create(cfg.cgroupManager(), layout);
        // runc creates the container's scope through systemd itself when the driver is systemd
        boolean systemdCgroup = CgroupManagers.SYSTEMD.equals(cgroups.driver());
        Path runtimeBinary = executable(cfg.runtime(), "runtime");
        Path shimBinary = executable(cfg.shimPath(), "shim_path");
        RuncRuntime runtime = new RuncRuntime(runtimeBinary, cfg.runRoot().resolve("runc"), systemdCgroup);
        Map<String, OciRuntime> handlers = new LinkedHashMap<>();
        cfg.runtimes().forEach((handler, binary) -> handlers.put(handler, new RuncRuntime(
                executable(binary, "runtimes." + handler), cfg.runRoot().resolve("runtime-" + handler),
                systemdCgroup)));
        // runc makes its root 0700, but leaves one an older berthd made as it was.
        PrivateDirs.ensure(runtime.root());
        for (OciRuntime handler : handlers.values()) {
            PrivateDirs.ensure(handler.root());
        }
        ImageStore images = new ImageStore(cfg.root().resolve("images"),
                new LayerUnpacker(cfg.layerMaxBytes(), cfg.layerMaxEntries()));
        ContainerStore store = new ContainerStore(cfg.root());
        ExecutorService background = Executors.newCachedThreadPool(daemonThreads("berth-bg"));
        ExecutorService streams = Executors.newCachedThreadPool(daemonThreads("berth-stream"));
        ShimExitMonitor monitor = new ShimExitMonitor();
        BerthMetrics metrics = new BerthMetrics();
        ConnectionPolicy apiConnections = connectionPolicy(cfg, metrics, "api");
        ConnectionPolicy criConnections = connectionPolicy(cfg, metrics, "cri");
        Path remountHelper = shimBinary.resolveSibling(VIEWFS_REMOUNT);
        ResourceViews views = new ResourceViews(cfg.resourceViews(), cfg.resourceViewsDefault(),
                Files.isExecutable(remountHelper) ? remountHelper : null);
        views.warnIfNotServing();
        NetnsManager netns = new NetnsManager(cfg.runRoot().resolve("netns"));
        ContainerNetworks networks = new ContainerNetworks(cfg.root().resolve("networks"), cfg.cniBinDirs(), netns);
        networks.ensureDefault();
        VolumeStore volumes = new VolumeStore(cfg.root().resolve("volumes"));
        ContainerService containers = new ContainerService(store, images, cgroups,
                new RuntimeHandlers(runtime, handlers),
                new ShimLauncher(shimBinary), monitor, new BundleWriter(cfg.hooksDirs(), views, volumes), networks,
                new ContainerService.Settings(cfg.runRoot(), systemdCgroup,
                        cfg.cgroupParent(), cfg.logMaxSize(), cfg.logMaxFiles(), cfg.stopTimeout()),
                background, exited -> {
                    if (exited.oomKilled()) {
                        metrics.oomKill();
                    }
                });
        metrics.sampleContainers(() -> containersByState(containers),
                () -> containers.list().stream().filter(c -> c.state().hasShim()).count());

        metrics.recovered(new Recovery(store, containers).run().adopted());
        importBuiltinImage(images, cfg.builtinImage());
        PodService pods = new PodService(new PodStore(cfg.root()), containers, images,
                netns,
                new CniNetwork(cfg.cniConfDir(), cfg.cniBinDirs(), cfg.root().resolve("cni")),
                pauseBinary(cfg.pausePath(), shimBinary), background);
        pods.recover();
        containers.restartPerPolicyAtStart();
        // containers made while berth-viewfs did not serve get its views once it does
        Executors.newSingleThreadScheduledExecutor(daemonThreads("berth-views")).scheduleWithFixedDelay(() -> {
            try {
                containers.addMissingResourceViews();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "resource views: adding missing ones failed: " + e, e);
            }
        }, VIEWS_CHECK_SECONDS, VIEWS_CHECK_SECONDS, TimeUnit.SECONDS);

        Map<String, String> paths = new LinkedHashMap<>();
        paths.put("root", cfg.root().toString());
        paths.put("runRoot", cfg.runRoot().toString());
        paths.put("socket", cfg.socketPath().toString());
        paths.put("criSocket", cfg.criSocketPath().toString());
        ApiHandler.Routes routes = new ApiHandler.Routes();
        new SystemRoutes(containers, images, runtime, layout, cgroups.driver(), paths, views).register(routes);
        new ContainerRoutes(containers, streams).register(routes);
        new EventRoutes(containers.events()).register(routes);
        new NetworkRoutes(networks).register(routes);
        new VolumeRoutes(volumes, containers).register(routes);
        ConfigReloader reloader = new ConfigReloader(this::loadConfig, cfg, Map.of(
                "log_level", next -> LogSetup.setLevel(next.logLevel()),
                // Read at each pull and login: the new path is used from the next one on.
                "registries_config", next -> { }));
        Supplier<RegistriesConfig> registries = () -> {
            Path file = reloader.current().registriesConfig();
            return Files.exists(file) ? RegistriesConfig.load(file) : RegistriesConfig.defaults();
        };
        try {
            registries.get();
        } catch (BerthException e) {
            // Read again at each pull: berthd and its containers need not wait for it to be fixed.
            LOG.log(Level.WARNING, "{0}; pulls fail until it is fixed", e.getMessage());
        }
        AuthStore auth = new AuthStore(cfg.root().resolve("auth.json"));
        ImageRoutes.PullListener pullMetrics = new ImageRoutes.PullListener() {
            @Override
            public void pulled(boolean ok) {
                metrics.imagePulled(ok);
            }

            @Override
            public void layerDownloaded(long bytes) {
                metrics.imageBytesPulled(bytes);
            }
        };
        new ImageRoutes(images, containers, registries, auth::get, pullMetrics).register(routes);
        new AuthRoutes(auth, registries).register(routes);
        routes.observe((method, route, status, nanos) -> metrics.apiRequest(method, route, status, nanos / 1e9));
        ApiServer api = new ApiServer(cfg.socketPath(), socketAccess, routes, apiConnections);
        api.start();
        CriServer cri = CriServer.start(cfg.criSocketPath(), socketAccess, criConnections,
                new CriServer.Backends(images, containers::imageInUse,
                registries, auth::get, pullMetrics, cgroups.driver(), containers, pods, streams,
                cfg.streamAddress(), cfg.streamPort()));
        metrics.sampleConnections(() -> Map.of("api", api.openConnections(), "cri", cri.openConnections()));
        MetricsServer metricsServer = cfg.metricsPort() > 0 ? MetricsServer.start(cfg.metricsPort(), metrics.registry())
                : null;
        onSighup(() -> reload(notify, reloader));
        Watchdog watchdog = SdNotify.watchdogInterval(System.getenv(), ProcessHandle.current().pid())
                .filter(interval -> notify.enabled())
                .map(interval -> new Watchdog(notify, interval, List.of(
                        new Watchdog.Probe("API event loop", api::ping),
                        new Watchdog.Probe("shim exit monitor", monitor::ping))))
                .orElse(null);

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // Containers and their shims live on: only berthd's own sockets and threads go.
            notify.send("STOPPING=1", "STATUS=stopping; containers keep running");
            LOG.log(Level.INFO, "berthd stopping; containers keep running");
            if (watchdog != null) {
                watchdog.close();
            }
            if (metricsServer != null) {
                metricsServer.close();
            }
            cri.close();
            api.close();
            monitor.close();
            notify.close();
            stopped.countDown();
        }, "berth-shutdown"));
        LOG.log(Level.INFO, "berthd {0} serving on {1}, CRI on {2} (cgroups {3}, driver {4}, runtime {5}{6})",
                BerthVersion.VERSION, cfg.socketPath(), cri.socket(), layout.mode(), cgroups.driver(), runtimeBinary,
                metricsServer == null ? "" : ", metrics on 127.0.0.1:" + metricsServer.port());
        notify.send("READY=1", "STATUS=" + status(containers, cfg));
        if (watchdog != null) {
            watchdog.start();
        }
        stopped.await();
        java.lang.ref.Reference.reachabilityFence(lock);
        return 0;
    }

    /**
     * max_connections and connection_idle_timeout for one socket, its refusals and idle closes counted as
     * {@code name}.
     */
    private static ConnectionPolicy connectionPolicy(DaemonConfig cfg, BerthMetrics metrics, String name) {
        try {
            return new ConnectionPolicy(cfg.maxConnections(), Duration.ofSeconds(cfg.connectionIdleTimeout()),
                    () -> metrics.connectionRefused(name), () -> metrics.connectionIdleClosed(name));
        } catch (IllegalArgumentException e) {
            throw BerthException.invalid("config: " + e.getMessage());
        }
    }

    /** RELOADING=1 with the monotonic time systemd asks for (Type=notify-reload), READY=1 once done. */
    private static void reload(SdNotify notify, ConfigReloader reloader) {
        notify.send("RELOADING=1", "MONOTONIC_USEC=" + System.nanoTime() / 1000);
        ConfigReloader.Result r = reloader.reload();
        String outcome = r.error() != null ? "reload failed: " + r.error()
                : "reloaded: " + (r.applied().isEmpty() ? "nothing applied" : "applied " + r.applied().keySet())
                        + (r.needRestart().isEmpty() ? "" : ", needs a restart for " + r.needRestart().keySet());
        notify.send("READY=1", "STATUS=" + outcome);
    }

    /**
     * SIGHUP means reload (systemctl reload). The JVM's default for it is to shut down, so the handler
     * is installed before READY=1, the earliest a reload can be asked for.
     */
    private static void onSighup(Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> action.run());
        } catch (IllegalArgumentException e) {
            LOG.log(Level.WARNING, "install the SIGHUP handler: {0}; reload needs a restart", e.getMessage());
        }
    }

    private static String status(ContainerService containers, DaemonConfig cfg) {
        Map<String, Long> byState = containersByState(containers);
        return "serving on " + cfg.socketPath() + "; " + byState.get(ContainerState.RUNNING) + " running, "
                + containers.list().size() + " containers";
    }

    /** Every state counted, zeros included, so that a metric series exists before its first container. */
    private static Map<String, Long> containersByState(ContainerService containers) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String s : List.of(ContainerState.CREATING, ContainerState.CREATED, ContainerState.RUNNING,
                ContainerState.EXITED)) {
            counts.put(s, 0L);
        }
        for (var c : containers.list()) {
            counts.merge(c.state().status(), 1L, Long::sum);
        }
        return counts;
    }

    private static void importBuiltinImage(ImageStore images, Path layout) {
        if (images.resolve(BUILTIN_IMAGE_NAME).isPresent() || !Files.isDirectory(layout)) {
            return;
        }
        try {
            images.importImage(layout, Optional.of(BUILTIN_IMAGE_NAME));
            LOG.log(Level.INFO, "imported the built-in image {0} from {1}", BUILTIN_IMAGE_NAME, layout);
        } catch (BerthException e) {
            LOG.log(Level.WARNING, "import the built-in image from {0}: {1}", layout, e.getMessage());
        }
    }

    /**
     * A shim's sockets live at RUN_ROOT/shims/<shim key>/console.sock; a unix socket path holds at most
     * 107 bytes, so a longer run root would fail at the first container rather than here.
     */
    private static void checkRunRootLength(Path runRoot) {
        int longest = runRoot.toAbsolutePath().toString().length() + "/shims/".length()
                + dev.berth.daemon.container.ContainerPaths.SHIM_KEY_LENGTH + "/console.sock".length();
        if (longest > 107) {
            throw BerthException.invalid("run root " + runRoot + " is too long: the shims' socket paths under it would be "
                    + longest + " bytes, more than the 107 a unix socket allows");
        }
    }

    /** An absolute path as is; a bare name looked up in PATH, as a shell would. */
    /** berth-pause is built and installed next to berth-shim; a bare name is looked for there before PATH. */
    static Path pauseBinary(String nameOrPath, Path shimBinary) {
        Path sibling = shimBinary.resolveSibling(nameOrPath);
        return !Path.of(nameOrPath).isAbsolute() && Files.isExecutable(sibling) ? sibling
                : executable(nameOrPath, "pause_path");
    }

    static Path executable(String nameOrPath, String key) {
        Path given = Path.of(nameOrPath);
        if (given.isAbsolute()) {
            if (Files.isExecutable(given)) {
                return given;
            }
        } else {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/usr/sbin:/bin:/sbin")
                    .split(File.pathSeparator)) {
                Path candidate = Path.of(dir).resolve(nameOrPath);
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        throw BerthException.invalid("config " + key + ": '" + nameOrPath + "' is not an executable (nor found in PATH)");
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(null, r, prefix + "-" + n.incrementAndGet(), 512 * 1024);
            t.setDaemon(true);
            return t;
        };
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"berthd " + BerthVersion.VERSION};
        }
    }
}
