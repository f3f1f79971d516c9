package dev.berth.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.oci.BerthException;
import dev.berth.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real C shim with real runc and a busybox bundle. Needs root, runc and busybox. */
class ShimIntegrationTest {
    private static final Path RUNC = Path.of("/usr/sbin/runc");
    private static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final Pattern CRI_LINE =
            Pattern.compile("^(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z) (stdout|stderr) ([FP]) (.*)$");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path work;
    private static Path shim;
    private static Path rootfs;
    private static ObjectNode spec;
    private static ShimExitMonitor monitor;
    private final List<String> ids = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        String skip = null;
        if (!isRoot()) {
            skip = "not root";
        } else if (!Files.isExecutable(RUNC)) {
            skip = "no runc at " + RUNC;
        } else if (!Files.isExecutable(BUSYBOX)) {
            skip = "no " + BUSYBOX;
        }
        if (skip != null) {
            System.out.println("SKIP ShimIntegrationTest: " + skip);
            Assumptions.abort(skip);
        }
        Path c = Path.of("c").toAbsolutePath();
        if (!Files.isDirectory(c)) {
            c = Path.of("shim/c").toAbsolutePath(); // run from the repository root
        }
        assertEquals(0, run(List.of("make", "-C", c.toString(), "berth-shim")).exit, "make berth-shim");
        shim = c.resolve("berth-shim");
        work = Files.createTempDirectory("berth-shim-it");
        rootfs = work.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("bin"));
        for (String d : List.of("proc", "dev", "sys", "tmp")) {
            Files.createDirectories(rootfs.resolve(d));
        }
        Files.copy(BUSYBOX, rootfs.resolve("bin/busybox"));
        for (String applet : run(List.of(BUSYBOX.toString(), "--list")).out.split("\n")) {
            if (!applet.isBlank() && !applet.equals("busybox")) {
                Files.createSymbolicLink(rootfs.resolve("bin").resolve(applet.strip()), Path.of("busybox"));
            }
        }
        assertEquals(0, run(List.of(RUNC.toString(), "spec", "--bundle", work.toString())).exit);
        spec = (ObjectNode) JSON.readTree(work.resolve("config.json").toFile());
        monitor = new ShimExitMonitor();
    }

    @AfterAll
    static void tearDown() throws IOException {
        if (monitor != null) {
            monitor.close();
        }
        if (work != null) {
            try (Stream<Path> s = Files.walk(work)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @AfterEach
    void deleteContainers() throws Exception {
        for (String id : ids) {
            run(List.of(RUNC.toString(), "--root", work.resolve("runc").toString(), "delete", "-f", id));
            new ShimClient(state(id)).shimPid().ifPresent(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        }
    }

    private static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .anyMatch(l -> l.matches("Uid:\\s+0\\s.*"));
        } catch (IOException e) {
            return false;
        }
    }

    private record Result(int exit, String out) { }

    private static Result run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Result(p.exitValue(), out);
    }

    private static Path state(String id) {
        return work.resolve("state").resolve(id);
    }

    private ShimOptions bundle(String id, boolean stdin, String... args) throws IOException {
        Path b = work.resolve("bundles").resolve(id);
        Files.createDirectories(b);
        ObjectNode c = spec.deepCopy();
        ObjectNode root = c.putObject("root");
        root.put("path", rootfs.toString());
        root.put("readonly", true);
        ObjectNode proc = (ObjectNode) c.get("process");
        proc.put("terminal", false);
        proc.putArray("args").addAll(Stream.of(args).map(JSON.getNodeFactory()::textNode).toList());
        JSON.writeValue(b.resolve("config.json").toFile(), c);
        ids.add(id);
        return new ShimOptions(id, b, state(id), RUNC, work.resolve("runc"), false,
                work.resolve("logs").resolve(id + ".log"), ShimOptions.DEFAULT_LOG_MAX_SIZE,
                ShimOptions.DEFAULT_LOG_MAX_FILES, false, stdin, false);
    }

    private static LaunchedShim launch(ShimOptions o) throws IOException {
        Files.createDirectories(o.logPath().getParent());
        return new ShimLauncher(shim).launch(o);
    }

    private static void start(String id) throws Exception {
        Result r = run(List.of(RUNC.toString(), "--root", work.resolve("runc").toString(), "start", id));
        assertEquals(0, r.exit, r.out);
    }

    private static CompletableFuture<WatchResult> watch(String id) {
        CompletableFuture<WatchResult> f = new CompletableFuture<>();
        monitor.watch(id, state(id), f::complete);
        return f;
    }

    /**
     * A watch the shim has accepted: from then on the exit reaches the monitor through its WAIT (the shim stays
     * until an accepted client has its answer), not through the exit file of a shim already gone.
     */
    private static CompletableFuture<WatchResult> watchAccepted(String id, int shimPid) {
        long before = socketsOf(shimPid);
        CompletableFuture<WatchResult> f = watch(id);
        Await.until("shim " + shimPid + " accepts the monitor's connection", 20_000, () -> socketsOf(shimPid) > before);
        return f;
    }

    private static long socketsOf(int pid) {
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith("socket:");
                } catch (IOException e) {
                    return false; // closed meanwhile
                }
            }).count();
        } catch (IOException e) {
            throw new AssertionError("list the fds of shim " + pid + ": " + e, e);
        }
    }

    /** Reads frames until the exit frame; returns stdout, stderr and the exit code joined by '|'. */
    private static String drain(FrameStream s) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String code = "none";
        for (Frame f; (f = s.read()) != null; ) {
            switch (f.stream()) {
                case Frame.STDOUT -> out.writeBytes(f.payload());
                case Frame.STDERR -> err.writeBytes(f.payload());
                case Frame.EXIT -> code = new String(f.payload(), StandardCharsets.US_ASCII);
                default -> { }
            }
        }
        return out.toString(StandardCharsets.UTF_8) + "|" + err.toString(StandardCharsets.UTF_8) + "|" + code;
    }

    @Test
    void launchWaitExitCodeAndCriLog() throws Exception {
        ShimOptions o = bundle("j-exit", false, "sh", "-c", "echo hello; echo oops >&2; exit 3");
        LaunchedShim l = launch(o);
        assertTrue(l.containerPid() > 0 && l.shimPid() > 0);
        assertEquals(l.shimPid(), new ShimClient(o.stateDir()).shimPid().orElseThrow());
        CompletableFuture<WatchResult> w = watchAccepted(o.id(), l.shimPid());
        start(o.id());
        WatchResult r = w.get(20, TimeUnit.SECONDS);
        assertEquals(WatchResult.EXITED, r.reason());
        assertEquals(3, r.status().orElseThrow().exitCode());
        assertEquals(r.status(), ExitStatus.read(o.stateDir()));

        List<String> lines = Files.readAllLines(o.logPath());
        List<String> seen = new ArrayList<>();
        for (String line : lines) {
            Matcher m = CRI_LINE.matcher(line);
            assertTrue(m.matches(), "CRI log line: " + line);
            seen.add(m.group(2) + " " + m.group(3) + " " + m.group(4));
        }
        assertTrue(seen.contains("stdout F hello"), seen.toString());
        assertTrue(seen.contains("stderr F oops"), seen.toString());
    }

    @Test
    void attachSeesOutputAndSendsStdin() throws Exception {
        // Reads to EOF: with `read x` the init could exit before the close-stdin frame is written (EPIPE).
        ShimOptions o = bundle("j-attach", true, "sh", "-c", "x=$(cat); echo got:$x; echo err >&2; exit 4");
        launch(o);
        try (FrameStream s = new ShimClient(o.stateDir()).attach()) {
            start(o.id());
            s.write(Frame.STDIN, "abc\n".getBytes(StandardCharsets.UTF_8));
            s.closeStdin();
            assertEquals("got:abc\n|err\n|4", drain(s));
        }
    }

    @Test
    void execReportsOutputAndExitCode() throws Exception {
        ShimOptions o = bundle("j-exec", false, "sleep", "30");
        launch(o);
        start(o.id());
        Path pj = work.resolve("exec.json");
        Files.writeString(pj, "{\"terminal\":false,\"user\":{\"uid\":0,\"gid\":0},\"cwd\":\"/\","
                + "\"env\":[\"PATH=/bin\"],\"args\":[\"sh\",\"-c\",\"echo in-exec; exit 7\"]}");
        try (ExecSession s = new ShimClient(o.stateDir()).exec(pj, false)) {
            assertTrue(s.pid() > 0);
            assertEquals("in-exec\n||7", drain(s));
        }
        Files.writeString(pj, "{\"args\":[]}");
        BerthException e = assertThrows(BerthException.class, () -> new ShimClient(o.stateDir()).exec(pj, false));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().startsWith("exec in container j-exec: "), e.getMessage());
        assertFalse(Files.readString(o.logPath()).contains("in-exec"), "exec output is not logged");
    }

    @Test
    void signalReachesTheInitsHandler() throws Exception {
        ShimOptions o = bundle("j-signal", false, "sh", "-c",
                "trap 'exit 5' TERM; echo trapped; while :; do sleep 0.1; done");
        launch(o);
        ShimClient client = new ShimClient(o.stateDir());
        try (FrameStream s = client.attach()) {
            start(o.id());
            Frame first = s.read();
            assertEquals("trapped\n", new String(first.payload(), StandardCharsets.UTF_8));
            CompletableFuture<WatchResult> w = watch(o.id());
            BerthException usage = assertThrows(BerthException.class, () -> client.signal(0));
            assertEquals(BerthException.Kind.INVALID_ARGUMENT, usage.kind());
            assertTrue(usage.getMessage().startsWith("signal 0 to container j-signal: usage"), usage.getMessage());
            client.signal(15);
            WatchResult r = w.get(20, TimeUnit.SECONDS);
            assertEquals(WatchResult.EXITED, r.reason());
            assertEquals(5, r.status().orElseThrow().exitCode(), "the trap ran: SIGTERM, not a kill");
        }
    }

    @Test
    void killAllOnExitEndsWhatTheInitLeftInASharedPidNamespace() throws Exception {
        // The host's pid namespace stands for a pod's: the init's exit kills nothing else in either.
        ShimOptions b = bundle("j-shared-pid", false, "sh", "-c", "sleep 3600 & echo $!; exit 3");
        ObjectNode config = (ObjectNode) JSON.readTree(b.bundle().resolve("config.json").toFile());
        ArrayNode namespaces = (ArrayNode) config.at("/linux/namespaces");
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            if (namespaces.get(i).get("type").asText().equals("pid")) {
                namespaces.remove(i);
            }
        }
        JSON.writeValue(b.bundle().resolve("config.json").toFile(), config);
        ShimOptions o = new ShimOptions(b.id(), b.bundle(), b.stateDir(), b.runtime(), b.runtimeRoot(),
                b.systemdCgroup(), b.logPath(), b.logMaxSize(), b.logMaxFiles(), b.terminal(), b.stdin(), true);
        launch(o);
        try (FrameStream s = new ShimClient(o.stateDir()).attach()) {
            start(o.id());
            long sleeper = Long.parseLong(new String(s.read().payload(), StandardCharsets.UTF_8).strip());
            WatchResult r = watch(o.id()).get(20, TimeUnit.SECONDS);
            assertEquals(3, r.status().orElseThrow().exitCode());
            // The exit is reported once the output pipes closed, which the sleep held until it was killed.
            Optional<ProcessHandle> left = ProcessHandle.of(sleeper);
            assertTrue(left.isEmpty() || !left.get().isAlive()
                    || Files.readString(Path.of("/proc/" + sleeper + "/stat")).contains(") Z "),
                    "the init's background sleep " + sleeper + " was killed");
        }
    }

    @Test
    void killedShimIsReportedAsDead() throws Exception {
        ShimOptions o = bundle("j-dead", false, "sleep", "30");
        LaunchedShim l = launch(o);
        start(o.id());
        CompletableFuture<WatchResult> w = watchAccepted(o.id(), l.shimPid());
        ProcessHandle.of(l.shimPid()).orElseThrow().destroyForcibly();
        WatchResult r = w.get(20, TimeUnit.SECONDS);
        assertEquals(WatchResult.SHIM_DIED, r.reason());
        assertTrue(r.status().isEmpty());
    }

    @Test
    void runtimeErrorIsReported() throws Exception {
        ShimOptions o = bundle("j-bad", false, "/no/such/program");
        BerthException e = assertThrows(BerthException.class, () -> launch(o));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().startsWith("create container j-bad: ") && e.getMessage().contains("/no/such/program"),
                e.getMessage());
        assertTrue(new ShimClient(o.stateDir()).shimPid().isEmpty());
    }

    @Test
    void monitorWatchesManyContainersOnOneThread() throws Exception {
        List<CompletableFuture<WatchResult>> all = new ArrayList<>();
        List<String> these = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ShimOptions o = bundle("j-many-" + i, false, "sh", "-c", "sleep 0.3; exit " + i);
            all.add(watchAccepted(o.id(), launch(o).shimPid()));
            these.add(o.id());
        }
        for (String id : these) {
            start(id);
        }
        for (int i = 0; i < 10; i++) {
            assertEquals(i, all.get(i).get(30, TimeUnit.SECONDS).status().orElseThrow().exitCode());
        }
    }
}
