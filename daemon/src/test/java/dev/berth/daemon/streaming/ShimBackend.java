package dev.berth.daemon.streaming;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.shim.ExecSession;
import dev.berth.shim.FrameStream;
import dev.berth.shim.ShimClient;
import dev.berth.shim.ShimLauncher;
import dev.berth.shim.ShimOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real container for the exec/attach tests: Berth's C shim, runc and a busybox root file system. Its
 * init echoes every stdin line as "attached:LINE", so attach has something to show.
 */
final class ShimBackend implements StreamingBackend, AutoCloseable {
    static final Path RUNC = Path.of("/usr/sbin/runc");
    static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final ObjectMapper JSON = new ObjectMapper();

    final String id;
    final AtomicInteger execCalls = new AtomicInteger();
    private final Path work;
    private final AtomicInteger execFiles = new AtomicInteger();

    private ShimBackend(String id, Path work) {
        this.id = id;
        this.work = work;
    }

    /** Why the real container cannot run here, or null. */
    static String missingPrerequisite() throws IOException {
        boolean root = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .anyMatch(l -> l.matches("Uid:\\s+0\\s.*"));
        if (!root) {
            return "not root";
        }
        if (!Files.isExecutable(RUNC)) {
            return "no runc at " + RUNC + " (make test-deps installs it)";
        }
        if (!Files.isExecutable(BUSYBOX)) {
            return "no " + BUSYBOX + " (package busybox-static)";
        }
        return null;
    }

    static ShimBackend start(String id) throws Exception {
        Path shimDir = Path.of("../shim/c").toAbsolutePath().normalize();
        run("make", "-C", shimDir.toString(), "berth-shim");
        Path work = Files.createTempDirectory("berth-streaming-it");
        ShimBackend b = new ShimBackend(id, work);
        try {
            b.create(shimDir.resolve("berth-shim"));
        } catch (Exception e) {
            b.close();
            throw e;
        }
        return b;
    }

    private void create(Path shim) throws Exception {
        Path rootfs = work.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("bin"));
        for (String d : List.of("proc", "dev", "sys", "tmp")) {
            Files.createDirectories(rootfs.resolve(d));
        }
        Files.copy(BUSYBOX, rootfs.resolve("bin/busybox"));
        for (String applet : run(BUSYBOX.toString(), "--list").split("\n")) {
            if (!applet.isBlank() && !applet.strip().equals("busybox")) {
                Files.createSymbolicLink(rootfs.resolve("bin").resolve(applet.strip()), Path.of("busybox"));
            }
        }
        Path bundle = work.resolve("bundle");
        Files.createDirectories(bundle);
        run(RUNC.toString(), "spec", "--bundle", bundle.toString());
        ObjectNode spec = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
        spec.putObject("root").put("path", rootfs.toString()).put("readonly", true);
        ObjectNode proc = (ObjectNode) spec.get("process");
        proc.put("terminal", false);
        proc.putArray("args").add("sh").add("-c").add("while read l; do echo \"attached:$l\"; done");
        JSON.writeValue(bundle.resolve("config.json").toFile(), spec);
        Path log = work.resolve("logs").resolve(id + ".log");
        Files.createDirectories(log.getParent());
        new ShimLauncher(shim).launch(new ShimOptions(id, bundle, stateDir(), RUNC, runcRoot(), false, log,
                ShimOptions.DEFAULT_LOG_MAX_SIZE, ShimOptions.DEFAULT_LOG_MAX_FILES, false, true, false));
        run(RUNC.toString(), "--root", runcRoot().toString(), "start", id);
    }

    private Path stateDir() {
        return work.resolve("state").resolve(id);
    }

    private Path runcRoot() {
        return work.resolve("runc");
    }

    @Override
    public ExecSession exec(String containerId, List<String> cmd, boolean tty, boolean stdin) {
        execCalls.incrementAndGet();
        ObjectNode p = JSON.createObjectNode();
        p.put("terminal", tty);
        p.putObject("user").put("uid", 0).put("gid", 0);
        p.put("cwd", "/");
        p.putArray("env").add("PATH=/bin").add("TERM=xterm");
        ArrayNode args = p.putArray("args");
        cmd.forEach(args::add);
        Path file = work.resolve("exec-" + execFiles.incrementAndGet() + ".json");
        try {
            JSON.writeValue(file.toFile(), p);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new ShimClient(work.resolve("state").resolve(containerId)).exec(file, tty);
    }

    @Override
    public FrameStream attach(String containerId) {
        return new ShimClient(work.resolve("state").resolve(containerId)).attach();
    }

    @Override
    public Path podNetns(String podSandboxId) {
        throw new UnsupportedOperationException("no pods in the exec tests");
    }

    @Override
    public void close() throws Exception {
        try {
            run(RUNC.toString(), "--root", runcRoot().toString(), "delete", "-f", id);
        } catch (Exception e) {
            System.err.println("cleanup: " + e.getMessage());
        }
        if (Files.exists(stateDir())) {
            new ShimClient(stateDir()).shimPid()
                    .ifPresent(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        }
        try (Stream<Path> s = Files.walk(work)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }
}
