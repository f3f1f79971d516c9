package dev.berth.viewfs.fuse;

import dev.berth.cgroups.CgroupDetector;
import dev.berth.cgroups.CgroupLayout;
import dev.berth.cgroups.CgroupMode;
import dev.berth.viewfs.ViewFsServer;
import dev.berth.viewfs.caller.CgroupParents;
import dev.berth.viewfs.cgroup.LimitsCache;
import dev.berth.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The server mounted for real, a v1 cgroup below /berth with 64 MiB and 1.5 CPUs, and a shell moved
 * into it reading the mount. Needs root, /dev/fuse, libfuse2 and writable v1 hierarchies; skipped
 * with the reason printed otherwise.
 */
class ViewFsRealTest {
    static final List<String> CONTROLLERS = List.of("memory", "cpu", "cpuacct", "cpuset", "pids", "blkio");
    CgroupLayout layout;
    Path mount;
    ViewFsServer server;
    String cg;
    final List<Path> made = new ArrayList<>();
    final List<Process> procs = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        String reason = null;
        if (!"root".equals(System.getProperty("user.name"))) {
            reason = "not root";
        } else if (!Files.exists(Path.of("/dev/fuse"))) {
            reason = "no /dev/fuse";
        } else if (!Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libfuse.so.2")) && !Files.exists(Path.of("/lib/x86_64-linux-gnu/libfuse.so.2"))) {
            reason = "no libfuse2 (apt-get install fuse libfuse2)";
        } else {
            layout = CgroupDetector.detect();
            if (layout.mode() == CgroupMode.V2) {
                reason = "host is cgroup v2 (this test drives v1 hierarchies)";
            } else if (!CONTROLLERS.stream().allMatch(layout.v1Mounts()::containsKey)) {
                reason = "missing v1 controllers in " + layout.v1Mounts().keySet();
            }
        }
        if (reason != null) {
            System.out.println("SKIP ViewFsRealTest: " + reason);
        }
        Assumptions.assumeTrue(reason == null, reason);
        cg = "berth/viewfs-test-" + UUID.randomUUID().toString().substring(0, 8);
        mount = Files.createTempDirectory("viewfs-mnt");
        server = ViewFsServer.forHost(mount, new CgroupParents(List.of(CgroupParents.DEFAULT)), null);
        server.mount(false);
        createCgroup();
    }

    private void createCgroup() throws IOException {
        for (String c : CONTROLLERS) {
            Path root = layout.v1Mounts().get(c);
            for (Path d : List.of(root.resolve("berth"), root.resolve(cg))) {
                if (!Files.isDirectory(d)) {
                    Files.createDirectory(d);
                    made.add(d);
                }
                if (c.equals("cpuset")) {
                    // v1 starts a cpuset empty: copy the parent's, as runc does
                    for (String f : List.of("cpuset.cpus", "cpuset.mems")) {
                        if (Files.readString(d.resolve(f)).isBlank()) {
                            Files.writeString(d.resolve(f), Files.readString(d.getParent().resolve(f)).trim());
                        }
                    }
                }
            }
        }
        Path mem = layout.v1Mounts().get("memory").resolve(cg);
        Files.writeString(mem.resolve("memory.limit_in_bytes"), Long.toString(64L * 1024 * 1024));
        Path cpu = layout.v1Mounts().get("cpu").resolve(cg);
        Files.writeString(cpu.resolve("cpu.cfs_period_us"), "100000");
        Files.writeString(cpu.resolve("cpu.cfs_quota_us"), "150000");
    }

    /** Starts {@code sh -c script}; the script sleeps first so it runs its reads from inside the cgroup. */
    private Process inCgroup(String script) throws IOException {
        Process p = new ProcessBuilder("sh", "-c", "sleep 0.3; " + script).redirectErrorStream(true).start();
        procs.add(p);
        for (String c : CONTROLLERS) {
            Files.writeString(layout.v1Mounts().get(c).resolve(cg).resolve("cgroup.procs"), Long.toString(p.pid()));
        }
        return p;
    }

    private static String output(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Process p : procs) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close();
            if (Files.readString(Path.of("/proc/self/mounts")).contains(" " + mount + " ")) {
                new ProcessBuilder("umount", "-l", mount.toString()).inheritIO().start().waitFor();
            }
        }
        List<Path> rev = new ArrayList<>(made);
        Collections.reverse(rev);
        for (Path d : rev) {
            Await.eventually(() -> {
                try {
                    Files.deleteIfExists(d);
                    return true;
                } catch (IOException e) {
                    return false; // still busy
                }
            }, 5_000);
        }
        if (mount != null) {
            Files.deleteIfExists(mount);
        }
    }

    @Test
    void containerSeesItsLimitsAndTheHostSeesTheHost() throws Exception {
        Process p = inCgroup("cat " + mount + "/proc/meminfo; echo ONLINE $(cat " + mount + "/sys/devices/system/cpu/online);"
                + " echo PROCESSORS $(grep -c ^processor " + mount + "/proc/cpuinfo); echo CPULINES $(grep -c '^cpu[0-9]' "
                + mount + "/proc/stat); cat " + mount + "/proc/uptime " + mount + "/proc/loadavg");
        String out = output(p);
        System.out.println("container view:\n" + out);
        assertTrue(out.contains("MemTotal:          65536 kB"), out);
        assertTrue(out.contains("ONLINE 0-1"), out);
        assertTrue(out.contains("PROCESSORS 2"), out);
        assertTrue(out.contains("CPULINES 2"), out);
        String uptimeLine = out.lines().filter(l -> l.matches("\\d+\\.\\d\\d \\d+\\.\\d\\d")).findFirst().orElseThrow();
        assertTrue(Double.parseDouble(uptimeLine.split(" ")[0]) < 60, "uptime counts from the cgroup's creation: " + uptimeLine);

        String hostMeminfo = Files.readString(mount.resolve("proc/meminfo"));
        String realTotal = Files.readString(Path.of("/proc/meminfo")).lines().findFirst().orElseThrow();
        assertEquals(realTotal, hostMeminfo.lines().findFirst().orElseThrow(), "this test process is the host");
        assertEquals(Files.readString(Path.of("/proc/cpuinfo")), Files.readString(mount.resolve("proc/cpuinfo")));
        assertEquals(Files.readString(Path.of("/sys/devices/system/cpu/online")),
                Files.readString(mount.resolve("sys/devices/system/cpu/online")));
        assertThrows(IOException.class, () -> Files.writeString(mount.resolve("proc/meminfo"), "x"));
        // the kernel sends RELEASE after close(2) has returned
        Await.eventually(() -> server.fs().openCount() == 0, 10_000);
        assertEquals(0, server.fs().openCount(), "every handle released");
    }

    /**
     * Direct writes and reads of a file from inside the cgroup show in its diskstats with the cgroup's
     * own counts (the host's are larger); swaps and the missing pressure files as on a v1 host. v1's
     * throttle counters move only for a device with a throttle rule: the test sets one (1 GiB/s).
     */
    @Test
    void diskstatsCountTheContainersOwnIoAndV1HasNoPressureFiles() throws Exception {
        Path file = Files.createTempFile(Path.of("/var/tmp"), "viewfs-io", ".bin");
        try {
            long dev = (Long) Files.getAttribute(file, "unix:dev");
            Path sysDev = Path.of("/sys/dev/block/" + ((dev >> 8) & 0xfff) + ":" + ((dev & 0xff) | ((dev >> 12) & 0xfff00)));
            Assumptions.assumeTrue(Files.isDirectory(sysDev), "/var/tmp is on no block device");
            Path disk = Files.exists(sysDev.resolve("partition")) ? sysDev.toRealPath().getParent() : sysDev.toRealPath();
            String majorMinor = Files.readString(disk.resolve("dev")).strip();
            String name = disk.getFileName().toString();
            Path blkio = layout.v1Mounts().get("blkio").resolve(cg);
            Files.writeString(blkio.resolve("blkio.throttle.read_bps_device"), majorMinor + " 1073741824");
            Files.writeString(blkio.resolve("blkio.throttle.write_bps_device"), majorMinor + " 1073741824");
            String out = output(inCgroup("dd if=/dev/zero of=" + file + " bs=4096 count=16 oflag=direct,sync 2>/dev/null;"
                    + " dd if=" + file + " of=/dev/null bs=4096 iflag=direct 2>/dev/null;"
                    + " grep ' " + name + " ' " + mount + "/proc/diskstats; echo SWAPS; cat " + mount + "/proc/swaps;"
                    + " echo LS $(ls " + mount + "/proc)"));
            System.out.println("container diskstats/swaps:\n" + out);
            String[] f = out.lines().findFirst().orElseThrow().trim().split("\\s+");
            assertEquals(name, f[2], out);
            long hostReads = Files.readAllLines(Path.of("/proc/diskstats")).stream().map(l -> l.trim().split("\\s+"))
                    .filter(h -> h[2].equals(name)).mapToLong(h -> Long.parseLong(h[3])).findFirst().orElseThrow();
            long reads = Long.parseLong(f[3]);
            assertTrue(reads >= 16 && reads < hostReads, "the cgroup's own reads, not the host's " + hostReads + ": " + out);
            assertTrue(Long.parseLong(f[5]) >= 16 * 8, "sectors read: " + out);
            assertTrue(Long.parseLong(f[7]) >= 16, "writes: " + out);
            String swaps = out.substring(out.indexOf("SWAPS\n") + 6, out.indexOf("LS "));
            String hostSwaps = Files.readString(Path.of("/proc/swaps"));
            if (hostSwaps.lines().count() == 1) {
                assertEquals(hostSwaps, swaps, "a host without swap: the header only");
            } else {
                assertTrue(swaps.startsWith(hostSwaps.lines().findFirst().orElseThrow()), swaps);
            }
            assertTrue(out.contains("LS cpuinfo diskstats loadavg meminfo stat swaps uptime"), "no pressure files on v1: " + out);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** berth update writes the container's limit files: the view must follow within a second. */
    @Test
    void aChangedLimitShowsWithinASecond() throws Exception {
        Path flag = mount.getParent().resolve(mount.getFileName() + ".updated");
        Process p = inCgroup("grep MemTotal " + mount + "/proc/meminfo; while [ ! -e " + flag + " ]; do sleep 0.02; done;"
                + " sleep 1; grep MemTotal " + mount + "/proc/meminfo");
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("MemTotal:          65536 kB", out.readLine());
            Files.writeString(layout.v1Mounts().get("memory").resolve(cg).resolve("memory.limit_in_bytes"),
                    Long.toString(32L * 1024 * 1024));
            Files.createFile(flag);
            assertEquals("MemTotal:          32768 kB", out.readLine());
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        } finally {
            Files.deleteIfExists(flag);
        }
    }

    /**
     * busybox cat copies with sendfile(2), which reads a direct_io file only up to the inode's size.
     * Through a bind mount (as in a container) no lookup refreshes that size: the open must
     * (default_permissions), or a view that grew since the last stat is cut. Here cpuinfo grows from 1
     * to 2 CPUs after a stat; the copy must be whole, byte for byte what read(2) gives.
     */
    @Test
    void sendfileThroughABindGetsTheWholeViewAfterItGrew() throws Exception {
        Path cpu = layout.v1Mounts().get("cpu").resolve(cg);
        Files.writeString(cpu.resolve("cpu.cfs_quota_us"), "50000");
        Path target = Files.createTempFile("viewfs-bind", ".cpuinfo");
        Path stated = Path.of(target + ".stated");
        Path grown = Path.of(target + ".grown");
        String view = mount + "/containers/t1/proc/cpuinfo";
        try {
            Process p = inCgroup("exec unshare -m --propagation private sh -c '"
                    + "mount --bind " + view + " " + target + " || exit 1;"
                    + " echo BEFORE $(busybox cat " + target + " | grep -c ^processor);"
                    + " stat -c %s " + target + " >/dev/null; touch " + stated + ";"
                    + " while [ ! -e " + grown + " ]; do sleep 0.02; done;"
                    + " busybox cat " + target + " > " + target + ".sendfile; dd if=" + target + " of=" + target + ".read bs=64k 2>/dev/null;"
                    + " echo AFTER $(grep -c ^processor " + target + ".sendfile)'");
            Await.eventually(() -> Files.exists(stated), 10_000);
            assertTrue(Files.exists(stated), "the reader stat-ed its bind");
            Files.writeString(cpu.resolve("cpu.cfs_quota_us"), "150000");
            // The cache's age is the condition: nothing else shows the new limit without reading the view under test.
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(LimitsCache.MAX_AGE_NANOS) + 200);
            Files.createFile(grown);
            String out = output(p);
            assertTrue(out.contains("BEFORE 1"), out);
            assertTrue(out.contains("AFTER 2"), "the grown view, whole: " + out);
            assertEquals(Files.readString(Path.of(target + ".read")), Files.readString(Path.of(target + ".sendfile")),
                    "sendfile copies what read(2) reads");
        } finally {
            for (Path f : List.of(stated, grown, Path.of(target + ".sendfile"), Path.of(target + ".read"), target)) {
                Files.deleteIfExists(f);
            }
        }
    }

    /**
     * Root files are direct_io (every viewer shares their inodes), a container's copy goes through the
     * page cache: the kernel refuses a shared mmap of a direct_io file (ENODEV), which shows the bit
     * set in libfuse's struct where the kernel reads it.
     */
    @Test
    void rootFilesAreDirectIoAndContainerCopiesArePageCached() throws Exception {
        try (FileChannel ch = FileChannel.open(mount.resolve("containers/m1/proc/meminfo"))) {
            MappedByteBuffer mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, 9);
            byte[] head = new byte[9];
            mapped.get(head);
            assertEquals("MemTotal:", new String(head, StandardCharsets.US_ASCII));
        }
        try (FileChannel ch = FileChannel.open(mount.resolve("proc/meminfo"))) {
            IOException e = assertThrows(IOException.class, () -> ch.map(FileChannel.MapMode.READ_ONLY, 0, 9));
            assertTrue(String.valueOf(e.getMessage()).contains("No such device"), "ENODEV: " + e);
        }
    }

    /** Every name below /containers is a copy of the tree with the caller's content; nothing else is. */
    @Test
    void containerCopiesServeTheCallersViewAndNothingElse() throws Exception {
        String out = output(inCgroup("grep MemTotal " + mount + "/containers/any-name/proc/meminfo;"
                + " echo ROOT $(ls " + mount + "); echo LIST $(ls " + mount + "/containers | wc -l);"
                + " echo COPY $(ls " + mount + "/containers/x/proc | wc -l);"
                + " ls " + mount + "/containers/x/containers 2>/dev/null || echo NESTED none"));
        assertTrue(out.contains("MemTotal:          65536 kB"), out);
        assertTrue(out.contains("ROOT containers proc sys"), out);
        assertTrue(out.contains("LIST 0"), "the copies are not listed: " + out);
        assertTrue(out.contains("COPY 7"), out);
        assertTrue(out.contains("NESTED none"), out);
        String realTotal = Files.readString(Path.of("/proc/meminfo")).lines().findFirst().orElseThrow();
        assertEquals(realTotal, Files.readString(mount.resolve("containers/any-name/proc/meminfo")).lines().findFirst().orElseThrow(),
                "a host caller sees the host's file in any copy");
    }

    /**
     * Not a timed assertion: prints µs per open+read+close of meminfo from inside the cgroup, through
     * this mount, the real /proc, and lxcfs when it is installed (figures for the README).
     */
    @Test
    void measureReadLatency() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "no python3 for the read loop");
        List<String> targets = new ArrayList<>(List.of(mount + "/proc/meminfo", "/proc/meminfo"));
        Path lxcMount = null;
        Process lxcfs = null;
        if (Files.isExecutable(Path.of("/usr/bin/lxcfs"))) {
            lxcMount = Files.createTempDirectory("lxcfs-mnt");
            Path pidFile = Files.createTempFile("lxcfs", ".pid");
            Files.delete(pidFile);
            lxcfs = new ProcessBuilder("lxcfs", "-f", "-l", "--enable-cfs", "-p", pidFile.toString(), lxcMount.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            procs.add(lxcfs);
            Path lxcMeminfo = lxcMount.resolve("proc/meminfo");
            Await.eventually(() -> Files.exists(lxcMeminfo), 5_000);
            targets.add(lxcMount + "/proc/meminfo");
        }
        String loop = "import os,sys,time\n"
                + "for path in sys.argv[1:]:\n"
                + "  for n in (200, 2000):\n"
                + "    t=time.perf_counter()\n"
                + "    for i in range(n):\n"
                + "      fd=os.open(path, os.O_RDONLY); d=os.read(fd, 65536); os.close(fd)\n"
                + "    us=(time.perf_counter()-t)*1e6/n\n"
                + "  print('%s %.1f us/read (%d bytes, first line %s)' % (path, us, len(d), d.split(b'\\n')[0].decode()))\n";
        Path script = Files.createTempFile("viewfs-loop", ".py");
        Files.writeString(script, loop);
        try {
            String out = output(inCgroup("exec python3 " + script + " " + String.join(" ", targets)));
            System.out.println("LATENCY (from a process in the cgroup, 2000 reads after 200 warm-up):\n" + out);
            assertTrue(out.contains("65536 kB"), out);
        } finally {
            Files.deleteIfExists(script);
            if (lxcfs != null) {
                lxcfs.destroy();
                lxcfs.waitFor(10, TimeUnit.SECONDS);
                new ProcessBuilder("umount", "-l", lxcMount.toString()).start().waitFor();
                Files.deleteIfExists(lxcMount);
            }
        }
    }
}
