package dev.berth.it.support;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.testing.Await;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An isolated berthd (its own root, run root and socket under a temp dir) driven through the real
 * `berth` CLI, as a user would. {@link #close()} removes every container, mount and directory it made.
 */
public final class BerthHarness implements AutoCloseable {
    public static final Path REPO = Path.of(System.getProperty("berth.repo", "..")).toAbsolutePath().normalize();
    /** How long berthd may take to serve: longer in an emulated guest (run-in-vm.sh). */
    static final long DAEMON_START_SECONDS = Long.getLong("berth.it.daemonStartSeconds", 30);

    public record Result(int exitCode, String stdout, String stderr) {
        public String out() {
            return stdout.strip();
        }
    }

    private final Path base;
    private final Path root;
    private final Path runRoot;
    private final Path socket;
    private final Path config;
    private final Path daemonLog;
    private Process daemon;

    public BerthHarness() throws IOException {
        this(List.of());
    }

    /** @param extraConfig more berth.toml lines, e.g. {@code resource_views = "/path"} */
    public BerthHarness(List<String> extraConfig) throws IOException {
        this(extraConfig, Map.of(), harness -> { });
    }

    /** @param daemonEnv more environment for the first berthd, e.g. {@code BERTH_FAILPOINT} */
    public BerthHarness(List<String> extraConfig, Map<String, String> daemonEnv) throws IOException {
        this(extraConfig, daemonEnv, harness -> { });
    }

    /** What a test sets up before berthd first starts, e.g. a small file system mounted on {@link #root()}. */
    public interface BeforeStart {
        void prepare(BerthHarness harness) throws Exception;
    }

    public BerthHarness(List<String> extraConfig, BeforeStart beforeStart) throws IOException {
        this(extraConfig, Map.of(), beforeStart);
    }

    /**
     * @param daemonEnv   more environment for the first berthd
     * @param beforeStart runs once the directories are chosen, before berthd starts; whatever it mounts under
     *                    {@link #base()} is unmounted by {@link #close()}, or here if berthd does not start
     */
    public BerthHarness(List<String> extraConfig, Map<String, String> daemonEnv, BeforeStart beforeStart)
            throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "end-to-end tests need root");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/runc")), "end-to-end tests need runc");
        assumeTrue(Files.isExecutable(shim()), "build the shim first (make shim): " + shim());
        // Short: the shim's socket path (RUN_ROOT/shims/<id prefix>/shim.sock) must fit in 107 bytes.
        base = Files.createTempDirectory(Path.of("/tmp"), "bit");
        root = base.resolve("root");
        runRoot = base.resolve("run");
        socket = runRoot.resolve("berth.sock");
        config = base.resolve("berth.toml");
        daemonLog = base.resolve("berthd.log");
        Files.writeString(config, String.join("\n",
                "shim_path = \"" + shim() + "\"",
                "runtime = \"/usr/sbin/runc\"",
                "cgroup_parent = \"" + cgroupParentOf(base) + "\"",
                "builtin_image = \"" + REPO.resolve("build/images/busybox") + "\"",
                "hooks_dirs = [\"" + base.resolve("hooks.d") + "\"]",
                "log_level = \"debug\"", String.join("\n", extraConfig), ""));
        try {
            beforeStart.prepare(this);
            startDaemon(daemonEnv);
        } catch (Exception | AssertionError e) {
            try {
                forceCleanUp();
            } catch (Exception cleanUpFailure) {
                e.addSuppressed(cleanUpFailure);
            }
            if (e instanceof IOException io) {
                throw io;
            }
            throw e instanceof RuntimeException r ? r : new IllegalStateException("start the test daemon", e);
        }
    }

    /** The cgroup parent this daemon puts its containers under (berthd's cgroup_parent). */
    public String cgroupParent() {
        return cgroupParentOf(base);
    }

    private static String cgroupParentOf(Path base) {
        return "berth-it-" + base.getFileName();
    }

    public static Path shim() {
        return REPO.resolve("shim/c/berth-shim");
    }

    public Path base() {
        return base;
    }

    public Path root() {
        return root;
    }

    public Path runRoot() {
        return runRoot;
    }

    public Path socket() {
        return socket;
    }

    /** The berth.toml this daemon runs with; its drop-ins are in berth.toml.d beside it. */
    public Path config() {
        return config;
    }

    public String daemonLog() throws IOException {
        return Files.exists(daemonLog) ? Files.readString(daemonLog) : "";
    }

    public void startDaemon() throws IOException {
        startDaemon(Map.of());
    }

    /** berthd with this harness's config, and the given root, run root and socket. */
    private ProcessBuilder daemonProcess(Path root, Path runRoot, Path socket, String... more) {
        List<String> cmd = new ArrayList<>(List.of(REPO.resolve("daemon/src/main/sh/berthd").toString(),
                "--config", config.toString(), "--root", root.toString(),
                "--run-root", runRoot.toString(), "--socket", socket.toString()));
        cmd.addAll(List.of(more));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("BERTH_DAEMON_LIB", REPO.resolve("daemon/target/lib").toString());
        return pb;
    }

    /**
     * Runs one more berthd while this one serves, on the given root, run root and socket, until it exits
     * (within 60 s): its exit code and output (both streams, in stdout). Whatever it creates is under
     * {@link #base()} or the paths given. {@code more}: more arguments, e.g. {@code config}.
     */
    public Result runOtherDaemon(Path root, Path runRoot, Path socket, String... more)
            throws IOException, InterruptedException {
        Path out = base.resolve("other-berthd-" + System.nanoTime() + ".log");
        Process p = daemonProcess(root, runRoot, socket, more).redirectErrorStream(true).redirectOutput(out.toFile())
                .start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException("the other berthd still runs after 60 s:\n" + Files.readString(out));
        }
        Result r = new Result(p.exitValue(), Files.readString(out), "");
        Files.delete(out);
        return r;
    }

    /** Starts berthd with more environment, e.g. {@code BERTH_FAILPOINT}; returns once it serves. */
    public void startDaemon(Map<String, String> extraEnv) throws IOException {
        startDaemon(extraEnv, List.of());
    }

    /**
     * Starts berthd through {@code wrapper}, a command that execs the rest of its arguments (as {@code prlimit
     * --nofile=N:N --} does), so that berthd keeps its pid; returns once it serves.
     */
    public void startDaemon(Map<String, String> extraEnv, List<String> wrapper) throws IOException {
        ProcessBuilder pb = daemonProcess(root, runRoot, socket);
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.addAll(pb.command());
        pb.command(cmd);
        pb.environment().putAll(extraEnv);
        daemon = pb.redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(daemonLog.toFile())).start();
        Await.eventually(() -> answers(socket) || !daemon.isAlive(), DAEMON_START_SECONDS * 1000L);
        if (answers(socket)) {
            return;
        }
        if (!daemon.isAlive()) {
            throw new IllegalStateException("berthd exited at start:\n" + daemonLog());
        }
        throw new IllegalStateException("berthd did not serve within " + DAEMON_START_SECONDS + " s:\n" + daemonLog());
    }

    /** The CRI socket once it accepts connections: berthd binds it after the REST socket. */
    public Path criSocket() {
        Path cri = runRoot.resolve("cri.sock");
        assertTrue(Await.eventually(() -> answers(cri), 30_000), "berthd's CRI socket did not serve within 30 s");
        return cri;
    }

    private static boolean answers(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** kill -9 of berthd: its containers and shims must live on. */
    public void killDaemon() throws InterruptedException {
        daemon.destroyForcibly();
        daemon.waitFor(10, TimeUnit.SECONDS);
    }

    /** Waits for berthd to die by itself (a fail point); its exit code, or -1 if it still runs. */
    public int awaitDaemonExit(long seconds) throws InterruptedException {
        return daemon.waitFor(seconds, TimeUnit.SECONDS) ? daemon.exitValue() : -1;
    }

    /** SIGTERM: a graceful stop. */
    public void stopDaemon() throws InterruptedException {
        daemon.destroy();
        assertTrue(daemon.waitFor(20, TimeUnit.SECONDS), "berthd did not stop on SIGTERM");
    }

    public long daemonPid() {
        return daemon.pid();
    }

    /** Runs the real CLI against this daemon. */
    public Result berth(String... args) throws IOException, InterruptedException {
        return berthWithInput(null, args);
    }

    public Result berthWithInput(String stdin, String... args) throws IOException, InterruptedException {
        return berthWith(stdin, Map.of(), args);
    }

    /** Runs the CLI with {@code extraEnv} added to its environment (BERTH_JAVA_OPTS, say). */
    public Result berthWith(String stdin, Map<String, String> extraEnv, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(REPO.resolve("cli/src/main/sh/berth").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.put("BERTH_SOCKET", socket.toString());
        env.put("BERTH_LIB", REPO.resolve("cli/target/lib").toString());
        env.putAll(extraEnv);
        Path in = base.resolve("stdin-" + System.nanoTime());
        Files.writeString(in, stdin == null ? "" : stdin);
        Path out = base.resolve("out-" + System.nanoTime());
        Path err = base.resolve("err-" + System.nanoTime());
        Process p = pb.redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("berth " + String.join(" ", args) + " did not finish in 120 s");
        }
        Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(in);
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    /** Runs the CLI and fails the test with its output unless it exits 0. */
    public String ok(String... args) throws IOException, InterruptedException {
        Result r = berth(args);
        if (r.exitCode() != 0) {
            throw new AssertionError("berth " + String.join(" ", args) + " exited " + r.exitCode() + "\nstdout: "
                    + r.stdout() + "\nstderr: " + r.stderr());
        }
        return r.out();
    }

    @Override
    public void close() throws Exception {
        try {
            if (daemon != null && daemon.isAlive()) {
                Result ps = berth("ps", "-a", "-q", "--no-trunc");
                for (String id : ps.out().lines().filter(l -> !l.isBlank()).toList()) {
                    berth("rm", "-f", id);
                }
                stopDaemon();
            }
        } finally {
            forceCleanUp();
        }
    }

    /** Whatever the daemon left: containers in runc, shims, mounts, cgroups, files. */
    private void forceCleanUp() throws IOException, InterruptedException {
        // The daemon's log outlives the run, for whoever reads a failure.
        Path logs = REPO.resolve("integration-tests/target/berthd-logs");
        Files.createDirectories(logs);
        if (Files.exists(daemonLog)) {
            Files.copy(daemonLog, logs.resolve(base.getFileName() + ".log"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Path runcRoot = runRoot.resolve("runc");
        if (Files.isDirectory(runcRoot)) {
            try (Stream<Path> ids = Files.list(runcRoot)) {
                for (Path id : ids.toList()) {
                    run("/usr/sbin/runc", "--root", runcRoot.toString(), "delete", "--force", id.getFileName().toString());
                }
            }
        }
        Path shims = runRoot.resolve("shims");
        if (Files.isDirectory(shims)) {
            try (Stream<Path> dirs = Files.list(shims)) {
                for (Path d : dirs.toList()) {
                    Path pidFile = d.resolve("shim.pid");
                    if (Files.exists(pidFile)) {
                        run("kill", "-9", Files.readString(pidFile).strip());
                    }
                }
            }
        }
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String mountPoint = line.split(" ")[4];
            if (mountPoint.startsWith(base.toString())) {
                run("umount", "-l", mountPoint);
            }
        }
        String parent = cgroupParentOf(base);
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : hierarchies.toList()) {
                Path dir = h.resolve(parent);
                if (Files.isDirectory(dir)) {
                    run("find", dir.toString(), "-depth", "-type", "d", "-exec", "rmdir", "{}", ";");
                }
            }
        }
        try (Stream<Path> walk = Files.walk(base)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Whether {@code tool} is an executable on PATH. */
    public static boolean onPath(String tool) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }

    public static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    /** The cgroup directories (any hierarchy) under the daemon's cgroup parent whose name holds the id. */
    public List<Path> cgroupDirsOf(String id) {
        List<Path> found = new ArrayList<>();
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : hierarchies.toList()) {
                Path parent = h.resolve(cgroupParent());
                if (Files.isDirectory(parent)) {
                    try (Stream<Path> walk = Files.walk(parent, 3)) {
                        walk.filter(p -> Files.isDirectory(p) && p.getFileName().toString().contains(id))
                                .forEach(found::add);
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return found;
    }
}
