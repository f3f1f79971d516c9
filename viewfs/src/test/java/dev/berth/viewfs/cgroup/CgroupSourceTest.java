package dev.berth.viewfs.cgroup;

import dev.berth.cgroups.CgroupLayout;
import dev.berth.cgroups.CgroupMode;
import dev.berth.viewfs.caller.CgroupParents;
import dev.berth.viewfs.caller.ContainerCgroup;
import dev.berth.viewfs.caller.ProcFs;
import dev.berth.viewfs.view.CpuSnapshot;
import dev.berth.viewfs.view.DeviceIo;
import dev.berth.viewfs.view.MemorySnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Fake v1 and v2 cgroup trees in a temp dir, read through the cgroups module's controllers. */
class CgroupSourceTest {
    static final long MIB = 1024 * 1024;
    static final String V1_UNLIMITED = "9223372036854771712";
    @TempDir
    Path tmp;

    static void write(Path dir, String... nameValue) throws IOException {
        Files.createDirectories(dir);
        for (int i = 0; i < nameValue.length; i += 2) {
            Files.writeString(dir.resolve(nameValue[i]), nameValue[i + 1] + "\n");
        }
    }

    CgroupLayout v1() {
        Map<String, Path> mounts = Map.of("memory", tmp.resolve("memory"), "cpu", tmp.resolve("cpu"),
                "cpuacct", tmp.resolve("cpuacct"), "cpuset", tmp.resolve("cpuset"), "pids", tmp.resolve("pids"));
        return new CgroupLayout(CgroupMode.HYBRID, mounts, tmp.resolve("unified"), Set.of());
    }

    /** /berth limited to 48 MiB (tighter than the container's 64 MiB), memsw 96 MiB on the container. */
    void v1Tree() throws IOException {
        write(tmp.resolve("memory"), "memory.limit_in_bytes", V1_UNLIMITED, "memory.memsw.limit_in_bytes", V1_UNLIMITED);
        write(tmp.resolve("memory/berth"), "memory.limit_in_bytes", String.valueOf(48 * MIB),
                "memory.memsw.limit_in_bytes", V1_UNLIMITED);
        write(tmp.resolve("memory/berth/c1"), "memory.limit_in_bytes", String.valueOf(64 * MIB),
                "memory.memsw.limit_in_bytes", String.valueOf(96 * MIB), "memory.usage_in_bytes", String.valueOf(30 * MIB),
                "memory.memsw.usage_in_bytes", String.valueOf(35 * MIB),
                "memory.stat", "cache 1\nrss 2\ntotal_cache " + 10 * MIB + "\ntotal_rss " + 20 * MIB
                        + "\ntotal_active_file " + 4 * MIB + "\ntotal_inactive_file " + 6 * MIB + "\ntotal_shmem 4096",
                "tasks", "100\n101\n");
        write(tmp.resolve("memory/berth/c1/sub"), "tasks", "200");
        write(tmp.resolve("cpu/berth/c1"), "cpu.cfs_quota_us", "150000", "cpu.cfs_period_us", "100000");
        write(tmp.resolve("cpu/berth"), "cpu.cfs_quota_us", "-1", "cpu.cfs_period_us", "100000");
        write(tmp.resolve("cpuacct/berth/c1"), "cpuacct.usage", "3000000000", "cpuacct.usage_user", "2000000000",
                "cpuacct.usage_sys", "1000000000");
        write(tmp.resolve("cpuset/berth/c1"), "cpuset.cpus", "0-7", "cpuset.effective_cpus", "2-5");
    }

    @Test
    void v1ReadsTightestLimitsAndTotals() throws IOException {
        v1Tree();
        CgroupSource s = CgroupSource.forLayout(v1());
        ContainerCgroup c = new ContainerCgroup("/berth/c1", Map.of());
        MemorySnapshot m = s.memory(c);
        assertEquals(48 * MIB, m.limit(), "the parent's tighter limit wins");
        assertEquals(30 * MIB, m.usage());
        assertEquals(48 * MIB, m.swapLimit(), "memsw minus the effective memory limit");
        assertEquals(5 * MIB, m.swapUsage());
        assertEquals(10 * MIB, m.cache());
        assertEquals(20 * MIB, m.anon());
        assertEquals(6 * MIB, m.inactiveFile());
        assertEquals(4096, m.shmem());
        CpuSnapshot cpu = s.cpu(c);
        assertEquals(150000, cpu.quotaMicros());
        assertEquals(100000, cpu.periodMicros());
        assertEquals("2-5", cpu.cpuset());
        assertEquals(List.of(2, 3), cpu.visibleCpus(List.of(0, 1)));
        assertEquals(2_000_000_000L, cpu.userNanos());
        assertEquals(3_000_000_000L, cpu.usageNanos());
        assertEquals(List.of(100, 101, 200), s.threads(c).stream().sorted().toList());
        assertEquals(List.of(new ContainerCgroup("/berth/c1", Map.of())), s.containers(new CgroupParents(List.of("/berth"))));
        assertTrue(s.createdEpochNanos(c) > 0);
        assertEquals(-1, s.createdEpochNanos(new ContainerCgroup("/berth/gone", Map.of())));
    }

    /**
     * berthd's systemd driver puts a container in a scope in a slice, at any depth: those are listed
     * (for the load averages) and nothing else, not the shims' scopes nor scopes outside slices.
     */
    @Test
    void systemdDriverScopesAreListedWithTheParentsChildren() throws IOException {
        String id = "ab".repeat(32);
        Path memory = tmp.resolve("memory");
        for (String dir : List.of("berth/c1", "system.slice/berth-" + id + ".scope/sub", "kubepods.slice/kubepods-pod1.slice/berth-"
                + id.replace('a', 'c') + ".scope", "system.slice/berth-shim-" + id.substring(0, 12) + ".scope",
                "system.slice/cron.service", "user.slice/user-0.slice/session-1.scope", "other/berth-" + id + ".scope")) {
            Files.createDirectories(memory.resolve(dir));
        }
        CgroupSource s = CgroupSource.forLayout(v1());
        List<String> ids = s.containers(new CgroupParents(List.of("/berth"))).stream().map(ContainerCgroup::id).sorted().toList();
        assertEquals(List.of("/berth/c1", "/kubepods.slice/kubepods-pod1.slice/berth-" + id.replace('a', 'c') + ".scope",
                "/system.slice/berth-" + id + ".scope"), ids);
    }

    @Test
    void v1WithoutSwapAccountingOrLimits() throws IOException {
        write(tmp.resolve("memory/berth/c2"), "memory.limit_in_bytes", V1_UNLIMITED, "memory.usage_in_bytes", "4096");
        MemorySnapshot m = CgroupSource.forLayout(v1()).memory(new ContainerCgroup("/berth/c2", Map.of()));
        assertEquals(-1, m.limit());
        assertEquals(-2, m.swapLimit());
        assertEquals(-2, m.swapUsage());
        CpuSnapshot cpu = CgroupSource.forLayout(v1()).cpu(new ContainerCgroup("/berth/c2", Map.of()));
        assertEquals(-1, cpu.quotaMicros());
        assertNull(cpu.cpuset());
    }

    @Test
    void v2ReadsTightestLimitsAndStat() throws IOException {
        Path root = tmp.resolve("unified");
        write(root, "cgroup.controllers", "cpu memory pids cpuset");
        write(root.resolve("berth"), "memory.max", "max", "memory.swap.max", String.valueOf(16 * MIB), "cpu.max", "max 100000");
        write(root.resolve("berth/c1"), "memory.max", String.valueOf(64 * MIB), "memory.swap.max", "max",
                "memory.current", String.valueOf(30 * MIB), "memory.swap.current", String.valueOf(MIB),
                "memory.stat", "anon " + 20 * MIB + "\nfile " + 10 * MIB + "\nactive_file " + 4 * MIB
                        + "\ninactive_file " + 6 * MIB + "\nslab_reclaimable 8192\nslab_unreclaimable 4096\nfile_mapped 12288",
                "cpu.max", "50000 100000", "cpu.stat", "usage_usec 3000000\nuser_usec 2000000\nsystem_usec 1000000",
                "cpuset.cpus", "", "cpuset.cpus.effective", "0-3", "cgroup.threads", "7\n8");
        CgroupSource s = CgroupSource.forLayout(new CgroupLayout(CgroupMode.V2, Map.of(), root, Set.of("cpu", "memory")));
        ContainerCgroup c = new ContainerCgroup("/berth/c1", Map.of("", "/berth/c1"));
        MemorySnapshot m = s.memory(c);
        assertEquals(64 * MIB, m.limit());
        assertEquals(16 * MIB, m.swapLimit(), "the parent's swap.max");
        assertEquals(MIB, m.swapUsage());
        assertEquals(10 * MIB, m.cache());
        assertEquals(8192, m.slabReclaimable());
        assertEquals(12288, m.mapped());
        CpuSnapshot cpu = s.cpu(c);
        assertEquals(50000, cpu.quotaMicros());
        assertEquals("0-3", cpu.cpuset());
        assertEquals(List.of(0), cpu.visibleCpus(List.of(0, 1)));
        assertEquals(1_000_000_000L, cpu.systemNanos());
        assertEquals(List.of(7, 8), s.threads(c));
    }

    @Test
    void loadTrackerSamplesRunnableThreadsAndForgetsRemovedContainers() throws IOException {
        v1Tree();
        Path proc = tmp.resolve("proc");
        write(proc.resolve("100"), "stat", "100 (java (main)) R 1 2 3");
        write(proc.resolve("101"), "stat", "101 (sleeper) S 1 2 3");
        write(proc.resolve("200"), "stat", "200 (dd) D 1 2 3");
        LoadTracker t = new LoadTracker(CgroupSource.forLayout(v1()), new CgroupParents(List.of("berth")), new ProcFs(proc));
        ContainerCgroup c = new ContainerCgroup("/berth/c1", Map.of());
        LoadTracker.Load before = t.load(c);
        assertEquals(2, before.running());
        assertEquals(3, before.total());
        assertEquals(200, before.lastPid());
        assertEquals(0, before.avenrun()[0]);
        for (int i = 0; i < 12; i++) {
            t.tick();
        }
        long[] avg = t.load(c).avenrun();
        assertTrue(avg[0] > avg[1] && avg[1] > avg[2] && avg[2] > 0);
        Path c1 = tmp.resolve("memory/berth/c1");
        Files.delete(c1.resolve("sub/tasks"));
        Files.delete(c1.resolve("sub"));
        try (var files = Files.list(c1)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(c1);
        t.tick();
        assertEquals(0, t.load(c).total(), "a removed container's state is dropped");
        assertEquals(0, t.load(c).avenrun()[0]);
    }

    @Test
    void v1IoFromTheThrottleFilesRecursiveFirst() throws IOException {
        v1Tree();
        Map<String, Path> mounts = new java.util.HashMap<>(v1().v1Mounts());
        mounts.put("blkio", tmp.resolve("blkio"));
        CgroupSource s = CgroupSource.forLayout(new CgroupLayout(CgroupMode.HYBRID, mounts, tmp.resolve("unified"), Set.of()));
        write(tmp.resolve("blkio/berth/c1"),
                "blkio.throttle.io_service_bytes_recursive", "254:0 Read 8192\n254:0 Write 4096\n254:0 Sync 12288\n"
                        + "254:0 Async 0\n254:0 Discard 0\n254:0 Total 12288\n8:0 Read 512\nTotal 12800",
                "blkio.throttle.io_serviced_recursive", "254:0 Read 2\n254:0 Write 1\n254:0 Total 3\nTotal 3",
                "blkio.throttle.io_service_bytes", "254:0 Read 1\nTotal 1");
        ContainerCgroup c = new ContainerCgroup("/berth/c1", Map.of());
        Map<String, DeviceIo> io = s.io(c);
        assertEquals(new DeviceIo(8192, 4096, 2, 1, 0, 0), io.get("254:0"));
        assertEquals(new DeviceIo(512, 0, 0, 0, 0, 0), io.get("8:0"));
        assertEquals(2, io.size(), "the Total line is no device");
        write(tmp.resolve("blkio/berth/old"), "blkio.throttle.io_service_bytes", "254:0 Read 1024\nTotal 1024");
        assertEquals(new DeviceIo(1024, 0, 0, 0, 0, 0), s.io(new ContainerCgroup("/berth/old", Map.of())).get("254:0"),
                "kernels without _recursive");
        assertEquals(Map.of(), CgroupSource.forLayout(v1()).io(c), "no blkio hierarchy: nothing accounted");
        assertFalse(s.offersPressure());
        assertNull(s.pressure(c, "cpu"));
    }

    /** Recorded from a cgroup v2 guest (Debian bookworm, 6.1): io.stat and the PSI files of a container. */
    @Test
    void v2IoAndPressureFromTheContainersFiles() throws IOException {
        Path root = tmp.resolve("unified");
        String cpuPressure = "some avg10=12.40 avg60=3.10 avg300=0.71 total=4153881\nfull avg10=6.02 avg60=1.50 avg300=0.33 total=2012977";
        write(root.resolve("berth/c1"), "io.stat", "254:0 rbytes=1064960 wbytes=8192 rios=41 wios=2 dbytes=4096 dios=1\n"
                        + "253:0 rbytes=0 wbytes=0 rios=0 wios=0 dbytes=0 dios=0",
                "cpu.pressure", cpuPressure,
                "memory.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0");
        CgroupSource s = CgroupSource.forLayout(new CgroupLayout(CgroupMode.V2, Map.of(), root, Set.of("io", "cpu")));
        ContainerCgroup c = new ContainerCgroup("/berth/c1", Map.of("", "/berth/c1"));
        assertEquals(new DeviceIo(1064960, 8192, 41, 2, 4096, 1), s.io(c).get("254:0"));
        assertTrue(s.io(c).get("253:0").isNone());
        assertTrue(s.offersPressure());
        assertEquals(cpuPressure + "\n", s.pressure(c, "cpu"));
        assertNull(s.pressure(c, "io"), "no io.pressure in this cgroup");
        assertEquals(Map.of(), s.io(new ContainerCgroup("/berth/gone", Map.of("", "/berth/gone"))));
    }
}
