package dev.berth.it.systemd;

import static dev.berth.it.support.BerthHarness.REPO;
import static dev.berth.testing.Await.eventually;
import static dev.berth.it.systemd.SystemdDriverGuest.show;
import static dev.berth.it.systemd.SystemdServiceGuest.berth;
import static dev.berth.it.systemd.SystemdServiceGuest.must;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.cgroups.proc.MountInfo;
import dev.berth.daemon.container.ResourceViews;
import dev.berth.viewfs.restart.RestartHealer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * berth-viewfs as the unit it ships as (contrib/systemd/berth-viewfs.service, unchanged; a drop-in only points
 * its launcher at this checkout's jars, and its helpers are linked into /usr/local/bin, where `make install`
 * puts them): steps of {@link SystemdServiceGuest}, run in its nspawn guest around the berthd steps.
 */
final class ViewfsServiceSteps {
    static final String UNIT = "berth-viewfs.service";
    static final Path MOUNT = Path.of("/var/lib/berth-viewfs");
    static final Path DROP_INS = Path.of("/etc/systemd/system/berth-viewfs.service.d");
    static final Path BIN = Path.of("/usr/local/bin");
    /** The reading container's "ok fail" counts of its view reads, bind-mounted at /out. */
    static final Path COUNTS = Path.of("/run/berth-viewfs-reader/counts");
    static final String MEMTOTAL_64M = "^MemTotal: *65536 kB";
    static final String KEEPER = "berth-viewfs-keeper";

    private String readerId;

    /** Type=notify: `systemctl start` returns once READY=1 came, and by then the mount serves. */
    void installAndStart() throws Exception {
        link("berth-viewfs", REPO.resolve("viewfs/src/main/sh/berth-viewfs"));
        link("berth-viewfs-remount", REPO.resolve("shim/c/berth-viewfs-remount"));
        link(KEEPER, REPO.resolve("shim/c/" + KEEPER));
        Files.copy(REPO.resolve("contrib/systemd/" + UNIT), Path.of("/etc/systemd/system", UNIT));
        Files.createDirectories(DROP_INS);
        Files.writeString(DROP_INS.resolve("10-checkout.conf"),
                "[Service]\nEnvironment=BERTH_VIEWFS_HOME=" + REPO.resolve("viewfs/target") + "\n");
        must("systemctl", "daemon-reload");
        long t = System.nanoTime();
        must("systemctl", "start", UNIT);
        System.out.printf("systemctl start berth-viewfs: %d ms%n", (System.nanoTime() - t) / 1_000_000);
        assertEquals("active", must("systemctl", "is-active", UNIT));
        assertEquals(1, viewfsMounts(Path.of("/proc/self/mountinfo")).size(), "mounted when start returned");
        assertTrue(Files.readString(MOUNT.resolve("proc/meminfo")).startsWith("MemTotal:"), "the mount serves");
        Map<String, String> unit = show(UNIT, "Type", "NotifyAccess", "KillMode", "StatusText");
        assertEquals("notify", unit.get("Type"));
        assertEquals("process", unit.get("KillMode"));
        assertEquals("serving " + MOUNT + "; took over 0 mounts in 0 mount namespaces, ended 0 earlier keepers",
                unit.get("StatusText"));
        assertTrue(keeperOf(mainPid()) > 0, "the server started its keeper");
    }

    /** berthd.service wants the view server and starts after it. */
    static void assertBerthdOrderedAfterViews() {
        Map<String, String> berthd = show(SystemdServiceGuest.UNIT, "After", "Wants");
        assertTrue(List.of(berthd.get("After").split(" ")).contains(UNIT), berthd.toString());
        assertTrue(List.of(berthd.get("Wants").split(" ")).contains(UNIT), berthd.toString());
    }

    /** A --memory 64m container started by berthd.service reads its limit as MemTotal, in a loop that goes on. */
    void containerReadsItsView() throws Exception {
        Files.createDirectories(COUNTS.getParent());
        Files.deleteIfExists(COUNTS);
        String loop = "ok=0; fail=0; while :; do"
                + " if grep -q '" + MEMTOTAL_64M + "' /proc/meminfo 2>/dev/null; then ok=$((ok+1)); else fail=$((fail+1)); fi;"
                + " echo \"$ok $fail\" > /out/counts.tmp && mv /out/counts.tmp /out/counts; sleep 0.2; done";
        readerId = berth("run", "-d", "--name", "viewer", "--memory", "64m", "-v", COUNTS.getParent() + ":/out",
                "busybox", "sh", "-c", loop);
        assertTrue(eventually(() -> counts()[0] >= 3, 30_000), "the reader does not read its view: " + countsText());
        assertEquals(0, counts()[1], "no failed read before a restart");
        String memTotal = berth("exec", readerId, "head", "-n", "1", "/proc/meminfo");
        assertTrue(memTotal.matches("MemTotal: +65536 kB"), memTotal);
    }

    /**
     * `systemctl restart berth-viewfs` while the container reads: SIGTERM ends only the server (KillMode=process),
     * so its keeper holds the connection as an orphan until the new instance, having replaced the container's
     * binds, ends it; the restart returns with that done (READY=1 after the take-over).
     */
    void restartUnderAReader() throws Exception {
        long oldServer = mainPid();
        long oldKeeper = keeperOf(oldServer);
        assertTrue(oldKeeper > 0, "no keeper of server " + oldServer);
        long[] before = counts();
        AtomicBoolean orphanSeen = new AtomicBoolean();
        Thread watch = new Thread(() -> {
            while (!orphanSeen.get() && !Thread.currentThread().isInterrupted()) {
                if (!Files.exists(Path.of("/proc/" + oldServer)) && "viewfs-orphan".equals(comm(oldKeeper))) {
                    orphanSeen.set(true);
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "keeper-watch");
        watch.start();
        long t = System.nanoTime();
        try {
            must("systemctl", "restart", UNIT);
        } finally {
            watch.interrupt();
            watch.join();
        }
        System.out.printf("systemctl restart berth-viewfs: %d ms%n", (System.nanoTime() - t) / 1_000_000);
        long newServer = mainPid();
        assertNotEquals(oldServer, newServer);
        assertTrue(orphanSeen.get(), "keeper " + oldKeeper + " did not outlive its server " + oldServer);
        assertTrue(eventually(() -> comm(oldKeeper).isEmpty(), 5_000), "the new instance ended the old keeper " + oldKeeper);
        int containers = berth("ps", "-q").lines().filter(l -> !l.isBlank()).toList().size();
        assertEquals("serving " + MOUNT + "; took over " + ResourceViews.FILES.size() * containers + " mounts in " + containers
                + " mount namespaces, ended 1 earlier keepers", show(UNIT, "StatusText").get("StatusText"));
        assertTrue(keeperOf(newServer) > 0, "the new server started its keeper");
        // healed: the reader reads its view again; the keeper lets at most the read it ended fail
        assertTrue(eventually(() -> counts()[0] >= before[0] + 3, 30_000), "no view after the restart: " + countsText());
        long failed = counts()[1] - before[1];
        System.out.printf("reads failed during the restart: %d%n", failed);
        assertTrue(failed <= 1, failed + " failed reads");
        assertTrue(berth("exec", readerId, "head", "-n", "1", "/proc/meminfo").matches("MemTotal: +65536 kB"));
    }

    /** Stopping both units leaves no mount of the views anywhere and no keeper. */
    void stopLeavesNothing() throws Exception {
        for (String id : berth("ps", "-a", "-q", "--no-trunc").lines().filter(l -> !l.isBlank()).toList()) {
            berth("rm", "-f", id);
        }
        must("systemctl", "stop", SystemdServiceGuest.UNIT);
        must("systemctl", "stop", UNIT);
        assertEquals("inactive", show(UNIT, "ActiveState").get("ActiveState"));
        List<MountInfo.Entry> left = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                left.addAll(viewfsMounts(p.resolve("mountinfo")));
            }
        }
        assertEquals(List.of(), left, "view mounts left");
        assertTrue(eventually(() -> keepers().isEmpty(), 10_000), "keepers left: " + keepers());
    }

    static long mainPid() {
        return Long.parseLong(show(UNIT, "MainPID").get("MainPID"));
    }

    private static void link(String name, Path target) throws IOException {
        Path link = BIN.resolve(name);
        Files.createDirectories(BIN);
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, target);
    }

    /** The mounts of the views (by the fsname every instance for MOUNT uses) in a mountinfo; none of a gone process. */
    private static List<MountInfo.Entry> viewfsMounts(Path mountinfo) {
        try {
            return MountInfo.parse(Files.readAllLines(mountinfo)).stream()
                    .filter(e -> e.source().equals(RestartHealer.fsName(MOUNT)) && e.fsType().startsWith("fuse")).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The keepers running: pid and command line. */
    private static List<String> keepers() {
        List<String> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                String cmdline = cmdline(p);
                if (cmdline.startsWith(BIN.resolve(KEEPER) + " ")) {
                    found.add(p.getFileName() + ": " + cmdline);
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return found;
    }

    /** The keeper of a server: its first argument is the server's pid. */
    private static long keeperOf(long server) {
        return keepers().stream().filter(k -> k.split(" ")[2].equals(Long.toString(server)))
                .mapToLong(k -> Long.parseLong(k.substring(0, k.indexOf(':')))).findFirst().orElse(-1);
    }

    private static String cmdline(Path proc) {
        try {
            return Files.readString(proc.resolve("cmdline")).replace('\0', ' ').strip();
        } catch (IOException e) {
            return "";
        }
    }

    private static String comm(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/comm")).strip();
        } catch (IOException e) {
            return "";
        }
    }

    private static long[] counts() {
        String[] okFail = countsText().split(" ");
        return okFail.length == 2 ? new long[] {Long.parseLong(okFail[0]), Long.parseLong(okFail[1])} : new long[] {0, 0};
    }

    private static String countsText() {
        try {
            return Files.exists(COUNTS) ? Files.readString(COUNTS).strip() : "";
        } catch (IOException e) {
            return "";
        }
    }
}
