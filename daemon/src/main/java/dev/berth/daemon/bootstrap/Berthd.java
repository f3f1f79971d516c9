package dev.berth.daemon.bootstrap;

import dev.berth.cgroups.CgroupDetector;
import dev.berth.cgroups.CgroupLayout;
import dev.berth.cgroups.CgroupManager;
import dev.berth.cgroups.CgroupManagers;
import dev.berth.daemon.BerthVersion;
import dev.berth.daemon.api.ApiHandler;
import dev.berth.daemon.api.ApiServer;
import dev.berth.daemon.api.ContainerRoutes;
import dev.berth.daemon.api.ImageRoutes;
import dev.berth.daemon.api.SystemRoutes;
import dev.berth.daemon.auth.AuthRoutes;
import dev.berth.daemon.auth.AuthStore;
import dev.berth.daemon.config.ConfigLoader;
import dev.berth.daemon.config.DaemonConfig;
import dev.berth.daemon.container.BundleWriter;
import dev.berth.daemon.container.ContainerService;
import dev.berth.daemon.container.ResourceViews;
import dev.berth.daemon.recovery.Recovery;
import dev.berth.daemon.runtime.RuncRuntime;
import dev.berth.daemon.store.ContainerStore;
import dev.berth.image.ImageStore;
import dev.berth.image.registry.RegistriesConfig;
import dev.berth.oci.BerthException;
import dev.berth.shim.ShimExitMonitor;
import dev.berth.shim.ShimLauncher;
import java.io.File;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** berthd: wires the stores, the runtime and the API, recovers containers, and serves until stopped. */
@Command(name = "berthd", mixinStandardHelpOptions = true, versionProvider = Berthd.Version.class,
        description = "The Berth container daemon.")
public final class Berthd implements java.util.concurrent.Callable<Integer> {
    private static final System.Logger LOG = System.getLogger(Berthd.class.getName());
    private static final String BUILTIN_IMAGE_NAME = "localhost/busybox:latest";

    @Option(names = "--config", description = "config file (default: ${DEFAULT-VALUE})")
    Path config = DaemonConfig.DEFAULT_CONFIG;
    @Option(names = "--root", description = "persistent state (default /var/lib/berth)")
    Path root;
    @Option(names = "--run-root", description = "runtime state (default /run/berth)")
    Path runRoot;
    @Option(names = "--socket", description = "REST API socket (default RUN_ROOT/berth.sock)")
    Path socket;
    @Option(names = "--log-level", description = "trace, debug, info, warn, error")
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

    @Override
    public Integer call() throws Exception {
        boolean explicitConfig = !config.equals(DaemonConfig.DEFAULT_CONFIG);
        DaemonConfig cfg = ConfigLoader.load(config, explicitConfig).withPaths(root, runRoot, socket);
        LogSetup.configure(logLevel != null ? logLevel : cfg.logLevel());
        checkRunRootLength(cfg.runRoot());
        Files.createDirectories(cfg.root());
        Files.createDirectories(cfg.runRoot());

        CgroupLayout layout = CgroupDetector.detect();
        CgroupManager cgroups = CgroupManagers.create(cfg.cgroupManager(), layout);
        Path runtimeBinary = executable(cfg.runtime(), "runtime");
        Path shimBinary = executable(cfg.shimPath(), "shim_path");
        RuncRuntime runtime = new RuncRuntime(runtimeBinary, cfg.runRoot().resolve("runc"), false);
        ImageStore images = new ImageStore(cfg.root().resolve("images"));
        ContainerStore store = new ContainerStore(cfg.root());
        ExecutorService background = Executors.newCachedThreadPool(daemonThreads("berth-bg"));
        ExecutorService streams = Executors.newCachedThreadPool(daemonThreads("berth-stream"));
        ShimExitMonitor monitor = new ShimExitMonitor();
        ContainerService containers = new ContainerService(store, images, cgroups, runtime,
                new ShimLauncher(shimBinary), monitor, new BundleWriter(cfg.hooksDirs(),
                        new ResourceViews(cfg.resourceViews(), cfg.resourceViewsDefault())),
                new ContainerService.Settings(cfg.runRoot(), runtimeBinary, runtime.root(), false,
                        cfg.cgroupParent(), cfg.logMaxSize(), cfg.logMaxFiles(), cfg.stopTimeout()),
                background);

        new Recovery(store, containers).run();
        importBuiltinImage(images, cfg.builtinImage());

        Map<String, String> paths = new LinkedHashMap<>();
        paths.put("root", cfg.root().toString());
        paths.put("runRoot", cfg.runRoot().toString());
        paths.put("socket", cfg.socketPath().toString());
        ApiHandler.Routes routes = new ApiHandler.Routes();
        new SystemRoutes(containers, images, runtime, layout, cgroups.driver(), paths).register(routes);
        new ContainerRoutes(containers, streams).register(routes);
        Path registriesFile = cfg.registriesConfig();
        Supplier<RegistriesConfig> registries = () -> Files.exists(registriesFile)
                ? RegistriesConfig.load(registriesFile) : RegistriesConfig.defaults();
        AuthStore auth = new AuthStore(cfg.root().resolve("auth.json"));
        new ImageRoutes(images, containers, registries, auth::get).register(routes);
        new AuthRoutes(auth, registries).register(routes);
        ApiServer api = new ApiServer(cfg.socketPath(), routes);
        api.start();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // Containers and their shims live on: only berthd's own sockets and threads go.
            LOG.log(Level.INFO, "berthd stopping; containers keep running");
            api.close();
            monitor.close();
            stopped.countDown();
        }, "berth-shutdown"));
        LOG.log(Level.INFO, "berthd {0} serving on {1} (cgroups {2}, driver {3}, runtime {4})",
                BerthVersion.VERSION, cfg.socketPath(), layout.mode(), cgroups.driver(), runtimeBinary);
        stopped.await();
        return 0;
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
