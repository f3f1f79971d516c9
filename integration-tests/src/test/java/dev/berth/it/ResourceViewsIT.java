package dev.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.it.support.BerthHarness;
import dev.berth.it.support.ViewFsProcess;
import dev.berth.it.support.ViewsDaemon;
import dev.berth.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** With berth-viewfs mounted, a container sees its own CPUs and memory in /proc and /sys. */
class ResourceViewsIT {
    private static ViewsDaemon views;
    private static Path mount;
    private static ViewFsProcess viewfs;
    private static BerthHarness berth;

    @BeforeAll
    static void start() throws Exception {
        views = ViewsDaemon.start("bvfs");
        mount = views.mount;
        berth = views.berth;
        viewfs = views.viewfs;
    }

    @AfterAll
    static void stop() throws Exception {
        if (views != null) {
            views.close();
        }
    }

    /** cat is busybox's, which copies with sendfile(2): that reads only up to the size the mount reports. */
    @Test
    void aContainerSeesItsLimitsAndTheHostSeesItsOwn() throws Exception {
        String out = berth.ok("run", "--rm", "--cpus", "0.5", "--memory", "512m", "busybox", "sh", "-c",
                "cat /sys/devices/system/cpu/online; grep MemTotal /proc/meminfo; grep -c ^processor /proc/cpuinfo");
        assertEquals(List.of("0", "MemTotal: 524288 kB", "1"),
                out.lines().map(l -> l.replaceAll("\\s+", " ")).toList(), out);
        String hostMemTotal = Files.readAllLines(Path.of("/proc/meminfo")).get(0);
        assertEquals(hostMemTotal, Files.readAllLines(mount.resolve("proc/meminfo")).get(0),
                "a host process must see the host's values through the mount");
    }

    @Test
    void twoContainersWithDifferentLimitsSeeDifferentViews() throws Exception {
        String small = berth.ok("run", "-d", "--memory", "64m", "busybox", "sleep", "1000");
        String large = berth.ok("run", "-d", "--memory", "256m", "busybox", "sleep", "1000");
        assertTrue(berth.ok("exec", small, "grep", "MemTotal", "/proc/meminfo").contains("65536 kB"));
        assertTrue(berth.ok("exec", large, "grep", "MemTotal", "/proc/meminfo").contains("262144 kB"));
        berth.ok("update", "--memory", "128m", small);
        assertTrue(Await.eventually(() -> {
            try {
                return berth.ok("exec", small, "grep", "MemTotal", "/proc/meminfo").contains("131072 kB");
            } catch (Exception e) {
                return false;
            }
        }, 3_000), "berth update did not reach the view");
        berth.ok("rm", "-f", small, large);
    }

    /**
     * busybox cat copies with sendfile(2), bounded by the inode's size and served from its page cache:
     * two containers whose cpuinfo differ in length (1 and 2 CPUs), copying it at the same time, must
     * each get their own whole view every time. berthd binds each container's own copy of the view
     * tree, so they share no inode.
     */
    @Test
    void concurrentSendfileReadersInTwoContainersGetTheirOwnWholeViews() throws Exception {
        String loop = "n=0; bad=0; while [ $n -lt 300 ]; do c=$(cat /proc/cpuinfo | grep -c ^processor);"
                + " [ \"$c\" = %d ] || bad=$((bad+1)); n=$((n+1)); done; echo BAD $bad";
        CompletableFuture<String> one = CompletableFuture.supplyAsync(() -> runQuietly("0.5", String.format(loop, 1)));
        CompletableFuture<String> two = CompletableFuture.supplyAsync(() -> runQuietly("2", String.format(loop, 2)));
        assertEquals("BAD 0", one.get(5, TimeUnit.MINUTES).strip(), "1-CPU container's copies");
        assertEquals("BAD 0", two.get(5, TimeUnit.MINUTES).strip(), "2-CPU container's copies");
    }

    private static String runQuietly(String cpus, String script) {
        try {
            return berth.ok("run", "--rm", "--cpus", cpus, "busybox", "sh", "-c", script);
        } catch (Exception e) {
            throw new CompletionException(e);
        }
    }

    /**
     * glibc's sysconf(_SC_NPROCESSORS_ONLN) reads /sys/devices/system/cpu/online (and _CONF .../possible), so getconf (and
     * Python's os.cpu_count, OpenMP...) counts the view's CPUs; nproc asks sched_getaffinity, which berth-viewfs
     * answers with the view too (syscall views, SyscallViewsIT). The host's /usr for glibc's getconf (busybox has none).
     */
    @Test
    void glibcAndNprocCountTheViewsCpus() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/getconf")), "the host has no /usr/bin/getconf");
        Process nproc = new ProcessBuilder("nproc").redirectErrorStream(true).start();
        String hostCpus = new String(nproc.getInputStream().readAllBytes()).trim();
        assertEquals(0, nproc.waitFor(), "nproc on the host: " + hostCpus);
        assumeTrue(Integer.parseInt(hostCpus) >= 2, "one CPU cannot be told from a view of one CPU");
        String out = berth.ok("run", "--rm", "--cpus", "0.5", "-v", "/usr:/usr:ro", "-v", "/lib:/lib:ro",
                "-v", "/lib64:/lib64:ro", "busybox", "sh", "-c", "/usr/bin/getconf _NPROCESSORS_ONLN; /usr/bin/getconf _NPROCESSORS_CONF; busybox nproc");
        assertEquals(List.of("1", "1", "1"), out.lines().toList(), out);
    }

    /**
     * procps's free and top (their header: uptime, load, CPU lines, memory) and Python's os.cpu_count()
     * from the host's /usr, in a --cpus 0.5 --memory 512m container: the container's figures.
     */
    @Test
    void procpsAndPythonShowTheContainersLimits() throws Exception {
        for (String tool : List.of("/usr/bin/free", "/usr/bin/top", "/usr/bin/python3")) {
            assumeTrue(Files.isExecutable(Path.of(tool)), "the host has no " + tool);
        }
        String out = berth.ok("run", "--rm", "--cpus", "0.5", "--memory", "512m", "-e", "TERM=dumb", "-v", "/usr:/usr:ro",
                "-v", "/lib:/lib:ro", "-v", "/lib64:/lib64:ro", "busybox", "sh", "-c",
                "/usr/bin/free -k | grep ^Mem:; /usr/bin/top -b -n 1 | head -5;"
                + " /usr/bin/python3 -c 'import os; print(\"PYCPUS\", os.cpu_count())'");
        List<String> lines = out.lines().toList();
        assertEquals("524288", lines.get(0).split("\\s+")[1], "free's total: " + out);
        String topMem = lines.stream().filter(l -> l.startsWith("MiB Mem")).findFirst().orElseThrow(() -> new AssertionError(out));
        assertTrue(topMem.matches("MiB Mem :\\s+512\\.0 total.*"), "top's header: " + out);
        String uptime = lines.stream().filter(l -> l.startsWith("top - ")).findFirst().orElseThrow(() -> new AssertionError(out));
        assertTrue(uptime.matches("top - \\S+ up\\s+0 min.*"), "top's uptime counts from the container's start: " + out);
        assertTrue(lines.contains("PYCPUS 1"), "os.cpu_count(): " + out);
    }

    /** The host's JDK, mounted read-only into the busybox image, with no JVM flags. */
    @Test
    void aJvmSizesItselfByTheContainersLimits() throws Exception {
        Path javaHome = Path.of(System.getProperty("java.home")).toRealPath();
        assumeTrue(javaHome.startsWith("/usr"), "the JDK must live under /usr to be mounted: " + javaHome);
        Path probe = Files.createDirectories(berth.base().resolve("probe"));
        Files.writeString(probe.resolve("Probe.java"), "public class Probe { public static void main(String[] a) {"
                + " System.out.println(Runtime.getRuntime().availableProcessors() + \" \""
                + " + Runtime.getRuntime().maxMemory() / (1024 * 1024)); } }");
        List<String> args = new java.util.ArrayList<>(List.of("run", "--rm", "--cpus", "1.5", "--memory", "512m",
                "-v", "/usr:/usr:ro", "-v", "/lib:/lib:ro", "-v", "/lib64:/lib64:ro", "-v", probe + ":/probe:ro"));
        // Debian's JDK keeps its security and logging config in /etc, behind symlinks.
        Path etc = Path.of("/etc/java-" + Runtime.version().feature() + "-openjdk");
        if (Files.isDirectory(etc)) {
            args.addAll(List.of("-v", etc + ":" + etc + ":ro"));
        }
        args.addAll(List.of("busybox", javaHome.resolve("bin/java").toString(), "/probe/Probe.java"));
        String[] cpusAndHeap = berth.ok(args.toArray(String[]::new)).split(" ");
        assertEquals("2", cpusAndHeap[0], "availableProcessors() with --cpus 1.5");
        long heapMiB = Long.parseLong(cpusAndHeap[1]);
        assertTrue(heapMiB > 100 && heapMiB <= 128, "default max heap should be about 1/4 of 512 MiB: " + heapMiB);
    }
}
