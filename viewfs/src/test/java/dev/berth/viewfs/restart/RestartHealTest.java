package dev.berth.viewfs.restart;

import dev.berth.testing.Await;
import dev.berth.viewfs.syscall.SyscallViews;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The server as a process (its main, as the launcher runs it) and a private mount namespace
 * (unshare -m) holding a bind mount of its meminfo, as a container does: the server is killed with
 * SIGKILL, and a restarted server must make it read correct values again.
 * Needs root, /dev/fuse, libfuse2 and the helper built (make -C shim/c); skipped with the reason otherwise.
 */
class RestartHealTest {
    static final Path HELPER = Path.of("../shim/c/berth-viewfs-remount").toAbsolutePath().normalize();
    static final Path KEEPER = HELPER.resolveSibling("berth-viewfs-keeper");
    Path work;
    Path mount;
    Path target;
    final List<Process> procs = new ArrayList<>();
    Process namespace;
    int nsPid;

    @BeforeEach
    void setUp() throws Exception {
        String reason = null;
        if (!"root".equals(System.getProperty("user.name"))) {
            reason = "not root";
        } else if (!Files.exists(Path.of("/dev/fuse"))) {
            reason = "no /dev/fuse";
        } else if (!Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libfuse.so.2")) && !Files.exists(Path.of("/lib/x86_64-linux-gnu/libfuse.so.2"))) {
            reason = "no libfuse2 (apt-get install fuse libfuse2)";
        } else if (!Files.isExecutable(HELPER) || !Files.isExecutable(KEEPER)) {
            reason = "no " + HELPER + " or " + KEEPER + " (make -C shim/c)";
        }
        if (reason != null) {
            System.out.println("SKIP RestartHealTest: " + reason);
        }
        Assumptions.assumeTrue(reason == null, reason);
        work = Files.createTempDirectory("viewfs-restart");
        mount = Files.createDirectory(work.resolve("mnt"));
        target = work.resolve("meminfo");
        Files.writeString(target, "not the view\n");
    }

    Process server() throws IOException {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-cp", System.getProperty("java.class.path"), "dev.berth.viewfs.ViewFsServer",
                mount.toString(), "--remount-helper", HELPER.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("server.log").toFile()))
                .start();
        procs.add(p);
        return p;
    }

    void awaitMounted() throws Exception {
        Await.eventually(() -> Files.exists(mount.resolve("proc/meminfo")), 20_000);
        assertTrue(Files.exists(mount.resolve("proc/meminfo")), "server did not mount:\n" + log());
    }

    /** Starts a process in a new mount namespace holding a read-only bind of the view over {@code target}. */
    void startNamespace() throws Exception {
        Path pidFile = work.resolve("ns.pid");
        namespace = new ProcessBuilder("unshare", "-m", "--propagation", "private", "sh", "-c",
                "mount --bind " + mount + "/proc/meminfo " + target + " && mount -o remount,bind,ro " + target
                        + " && echo $$ > " + pidFile + " && exec sleep 600")
                .redirectErrorStream(true).start();
        Await.eventually(() -> {
            try {
                return !Files.readString(pidFile).isBlank();
            } catch (IOException e) {
                return false; // not written yet
            }
        }, 5_000);
        nsPid = Integer.parseInt(Files.readString(pidFile).strip());
    }

    /** Exit code and output of {@code head -1 target} inside the namespace. */
    String[] readInNamespace() throws Exception {
        Process p = new ProcessBuilder("nsenter", "-t", Integer.toString(nsPid), "-m", "head", "-n", "1", target.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        return new String[] {Integer.toString(p.exitValue()), out};
    }

    String readAt(int pid, Path file) throws Exception {
        Process p = new ProcessBuilder("nsenter", "-t", Integer.toString(pid), "-m", "head", "-n", "1", file.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        return out;
    }

    List<String> mountinfoAt(int pid, Path where) throws IOException {
        return Files.readAllLines(Path.of("/proc/" + pid + "/mountinfo")).stream()
                .filter(l -> l.split(" ")[4].equals(where.toString())).toList();
    }

    String log() throws IOException {
        Path log = work.resolve("server.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /**
     * The kill leaves the server's keeper holding the connection: a read in the namespace waits
     * instead of failing, and once the restarted server has replaced the mounts and ended that keeper
     * it gets one error (the abort) or, had it started later, the view; every read after that is right.
     */
    @Test
    void aRestartedServerHealsTheBindInAnotherNamespaceWhileItsReaderWaits() throws Exception {
        String hostFirstLine = Files.readAllLines(Path.of("/proc/meminfo")).get(0);
        RestartHealer healer = new RestartHealer(new dev.berth.viewfs.caller.ProcFs(Path.of("/proc")), mount, null, null);
        Process first = server();
        awaitMounted();
        startNamespace();
        assertArrayEquals(new String[] {"0", hostFirstLine}, readInNamespace(), "the bind works before the kill");
        assertTrue(eventually(() -> healer.keepers().size() == 1), "the server starts its keeper: " + log());
        RestartHealer.Keeper keeper = healer.keepers().get(0);
        assertEquals(first.pid(), keeper.serverPid());

        first.destroyForcibly();
        assertTrue(first.waitFor(10, TimeUnit.SECONDS));
        assertTrue(eventually(() -> healer.keepers().equals(List.of(new RestartHealer.Keeper(keeper.pid(), keeper.serverPid(), true)))),
                "the keeper outlives its server as an orphan: " + healer.keepers());
        Process waiting = new ProcessBuilder("nsenter", "-t", Integer.toString(nsPid), "-m", "head", "-n", "1", target.toString())
                .redirectErrorStream(true).start();
        procs.add(waiting);
        assertFalse(waiting.waitFor(1, TimeUnit.SECONDS), "a read with no server waits instead of failing");

        long start = System.nanoTime();
        server();
        assertTrue(waiting.waitFor(30, TimeUnit.SECONDS), "the waiting read ends once the restarted server took over");
        String waited = new String(waiting.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        System.out.println("RestartHealTest: the waiting read ended after " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)
                + " ms with exit " + waiting.exitValue() + ": " + waited);
        assertTrue(waiting.exitValue() == 0 ? waited.equals(hostFirstLine) : waited.contains("abort"), waited);

        assertArrayEquals(new String[] {"0", hostFirstLine}, readInNamespace(), "the healed bind reads the view:\n" + log());
        List<String> binds = mountinfoAt(nsPid, target);
        assertEquals(1, binds.size(), "one mount left at the target, the dead one detached: " + binds);
        assertTrue(binds.get(0).split(" ")[5].startsWith("ro"), binds.get(0));
        assertTrue(binds.get(0).contains(" fuse.viewfs " + healer.fsName() + " "), binds.get(0));
        List<String> atMount = mountinfoAt((int) ProcessHandle.current().pid(), mount);
        assertEquals(1, atMount.size(), "the dead mount at the mount point was detached: " + atMount);
        assertEquals(atMount.get(0).split(" ")[2], binds.get(0).split(" ")[2], "the bind is of the live superblock");
        // the namespace's copy of the whole mount point (unshare copied the host's mounts) and the bind
        assertTrue(log().contains("replaced 2 dead mount(s) in 1 namespace(s), 0 failed"), log());
        assertEquals(hostFirstLine, readAt(nsPid, mount.resolve("proc/meminfo")), "the namespace's copy of the mount point");
        assertTrue(eventually(() -> healer.keepers().size() == 1 && !healer.keepers().get(0).orphan()
                && healer.keepers().get(0).pid() != keeper.pid()), "the orphan was ended, the new server has its own: "
                + healer.keepers());
    }

    static boolean eventually(java.util.function.BooleanSupplier condition) {
        return Await.eventually(condition, 5_000);
    }

    @Test
    void aSecondServerOnALiveMountIsRefusedAndChangesNothing() throws Exception {
        server();
        awaitMounted();
        Process second = server();
        assertTrue(second.waitFor(30, TimeUnit.SECONDS), "the second server must exit");
        assertEquals(1, second.exitValue(), log());
        assertTrue(log().contains("already served by a running berth-viewfs"), log());
        assertEquals(Files.readAllLines(Path.of("/proc/meminfo")).get(0),
                Files.readAllLines(mount.resolve("proc/meminfo")).get(0), "the first server still serves");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (namespace != null) {
            namespace.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (Process p : procs) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        if (work == null) {
            return;
        }
        for (RestartHealer.Keeper k : new RestartHealer(new dev.berth.viewfs.caller.ProcFs(Path.of("/proc")), mount, null, null).keepers()) {
            ProcessHandle.of(k.pid()).ifPresent(ProcessHandle::destroyForcibly);
        }
        SyscallViews.keeper(mount).ifPresent(ProcessHandle::destroyForcibly);
        for (int i = 0; i < 5 && !mountinfoAt((int) ProcessHandle.current().pid(), mount).isEmpty(); i++) {
            new ProcessBuilder("umount", "-l", mount.toString()).inheritIO().start().waitFor();
        }
        try (Stream<Path> walk = Files.walk(work)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
