package dev.berth.cgroups.v1;

import dev.berth.cgroups.CgroupFiles;
import dev.berth.cgroups.CgroupLayout;
import dev.berth.cgroups.CgroupMode;
import dev.berth.cgroups.CgroupStats;
import dev.berth.cgroups.Resources;
import dev.berth.oci.BerthException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The v1 manager against a fake cgroup tree of plain files laid out like this hybrid host. */
class CgroupV1ManagerTest {
    static final String CG = "/berth/c1";
    static final String V1_UNLIMITED = "9223372036854771712";

    @TempDir
    Path tmp;
    CgroupLayout layout;
    CgroupV1Manager m;

    @BeforeEach
    void setUp() throws IOException {
        Map<String, Path> mounts = new LinkedHashMap<>();
        for (String c : List.of("cpu", "cpuacct", "cpuset", "memory", "pids", "blkio", "name=systemd")) {
            mounts.put(c, tmp.resolve(c.replace("name=", "")));
        }
        layout = new CgroupLayout(CgroupMode.HYBRID, mounts, tmp.resolve("unified"), Set.of("hugetlb"));
        m = new CgroupV1Manager(layout);
        write("cpu", "cpu.cfs_quota_us", "-1");
        write("cpu", "cpu.cfs_period_us", "100000");
        write("cpu", "cpu.shares", "1024");
        write("cpuacct", "cpuacct.usage", "5000000000");
        write("cpuacct", "cpuacct.usage_user", "3000000000");
        write("cpuacct", "cpuacct.usage_sys", "2000000000");
        write("cpuset", "cpuset.cpus", "0-1");
        write("cpuset", "cpuset.mems", "0");
        write("memory", "memory.usage_in_bytes", "10485760");
        write("memory", "memory.limit_in_bytes", V1_UNLIMITED);
        write("memory", "memory.memsw.usage_in_bytes", "11534336");
        write("memory", "memory.memsw.limit_in_bytes", V1_UNLIMITED);
        write("memory", "memory.stat", "cache 4096\nrss 8192\ninactive_file 100\ntotal_cache 2097152\ntotal_rss 8388608\n"
                + "total_inactive_file 1048576\ntotal_active_file 1048576\n");
        write("memory", "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
        write("memory", "cgroup.procs", "101\n102\n");
        write("pids", "pids.current", "2");
        write("pids", "pids.max", "max");
        write("pids", "cgroup.procs", "101\n102\n");
        Files.createDirectories(tmp.resolve("systemd/berth/c1"));
        Files.createDirectories(tmp.resolve("unified/berth/c1"));
    }

    void write(String hierarchy, String file, String value) throws IOException {
        Path d = tmp.resolve(hierarchy).resolve(CG.substring(1));
        Files.createDirectories(d);
        Files.writeString(d.resolve(file), value + "\n");
    }

    String read(String hierarchy, String file) throws IOException {
        return Files.readString(tmp.resolve(hierarchy).resolve(CG.substring(1)).resolve(file)).trim();
    }

    @Test
    void stats() {
        CgroupStats s = m.stats(CG);
        assertEquals(5_000_000_000L, s.cpuUsageNanos());
        assertEquals(3_000_000_000L, s.cpuUserNanos());
        assertEquals(2_000_000_000L, s.cpuSystemNanos());
        assertEquals(10_485_760L, s.memoryUsage());
        assertEquals(CgroupStats.UNLIMITED, s.memoryLimit());
        assertEquals(10_485_760L - 1_048_576L, s.memoryWorkingSet(), "hierarchical total_inactive_file");
        assertEquals(2_097_152L, s.memoryCache());
        assertEquals(1_048_576L, s.swapUsage(), "memsw usage minus memory usage");
        assertEquals(2, s.pidsCurrent());
        assertEquals(CgroupStats.UNLIMITED, s.pidsLimit());
        assertEquals(2, s.oomKillCount());
        assertNotNull(s.timestamp());
    }

    @Test
    void statsFallBackToCpuacctStatTicksAndMarkMissingAsUnavailable() throws IOException {
        Files.delete(tmp.resolve("cpuacct/berth/c1/cpuacct.usage_user"));
        Files.delete(tmp.resolve("cpuacct/berth/c1/cpuacct.usage_sys"));
        write("cpuacct", "cpuacct.stat", "user 250\nsystem 50\n");
        Files.delete(tmp.resolve("pids/berth/c1/pids.max"));
        write("memory", "memory.oom_control", "oom_kill_disable 0\nunder_oom 1\n");
        CgroupStats s = m.stats(CG);
        assertEquals(2_500_000_000L, s.cpuUserNanos());
        assertEquals(500_000_000L, s.cpuSystemNanos());
        assertEquals(CgroupStats.UNAVAILABLE, s.pidsLimit());
        assertEquals(CgroupStats.UNAVAILABLE, s.oomKillCount(), "kernel before 4.13 has no oom_kill line");
        assertTrue(new MemoryControllerV1(tmp.resolve("memory/berth/c1")).underOom());
    }

    @Test
    void statsOfMissingCgroupIsNotFound() {
        BerthException e = assertThrows(BerthException.class, () -> m.stats("/berth/nope"));
        assertEquals(BerthException.Kind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains("/berth/nope"), e.getMessage());
    }

    @Test
    void updateWritesEveryController() throws IOException {
        m.update(CG, new Resources(256L << 20, 512L << 20, 512L, 50_000L, 100_000L, "1", "0", 64L));
        assertEquals(Long.toString(256L << 20), read("memory", "memory.limit_in_bytes"));
        assertEquals(Long.toString(512L << 20), read("memory", "memory.memsw.limit_in_bytes"));
        assertEquals("512", read("cpu", "cpu.shares"));
        assertEquals("50000", read("cpu", "cpu.cfs_quota_us"));
        assertEquals("100000", read("cpu", "cpu.cfs_period_us"));
        assertEquals("1", read("cpuset", "cpuset.cpus"));
        assertEquals("0", read("cpuset", "cpuset.mems"));
        assertEquals("64", read("pids", "pids.max"));
    }

    @Test
    void blkioWeightGoesToBfqWeightWhenBfqHasItElseToBlkioWeight() throws IOException {
        write("blkio", "blkio.weight", "500");
        m.update(CG, Resources.ofBlkioWeight(300));
        assertEquals("300", read("blkio", "blkio.weight"));
        write("blkio", "blkio.bfq.weight", "100");
        m.update(CG, Resources.ofBlkioWeight(700));
        assertEquals("700", read("blkio", "blkio.bfq.weight"), "runc 1.1 prefers BFQ's file");
        assertEquals("300", read("blkio", "blkio.weight"));
    }

    @Test
    void blkioWeightWithoutWeightFileIsFailedPrecondition() throws IOException {
        write("blkio", "blkio.throttle.read_bps_device", "");
        BerthException e = assertThrows(BerthException.class, () -> m.update(CG, Resources.ofBlkioWeight(300)));
        assertEquals(BerthException.Kind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().startsWith("update cgroup /berth/c1: write "), e.getMessage());
        assertTrue(e.getMessage().contains("blkio.weight=300"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("blkio/berth/c1/blkio.weight")));
    }

    @Test
    void updateLeavesNullFieldsAlone() throws IOException {
        m.update(CG, Resources.ofPids(0));
        assertEquals("max", read("pids", "pids.max"), "zero means unlimited as in OCI");
        assertEquals("1024", read("cpu", "cpu.shares"));
        assertEquals(V1_UNLIMITED, read("memory", "memory.limit_in_bytes"));
        m.update(CG, Resources.ofMemory(-1));
        assertEquals("-1", read("memory", "memory.limit_in_bytes"));
        assertEquals("-1", read("memory", "memory.memsw.limit_in_bytes"), "unlimited memory lifts memsw as runc does");
    }

    /** Writes like the kernel: refuses any moment where memory.limit_in_bytes would exceed memsw. */
    private MemoryControllerV1 kernelLike(Path dir, List<String> order) {
        return new MemoryControllerV1(dir, (file, value) -> {
            long v = Long.parseLong(value);
            long mem = CgroupFiles.readLong(dir.resolve("memory.limit_in_bytes"));
            long memsw = CgroupFiles.readLong(dir.resolve("memory.memsw.limit_in_bytes"));
            boolean isMem = file.getFileName().toString().equals("memory.limit_in_bytes");
            long newMem = isMem ? v : mem, newSw = isMem ? memsw : v;
            if ((newMem < 0 ? Long.MAX_VALUE : newMem) > (newSw < 0 ? Long.MAX_VALUE : newSw)) {
                throw BerthException.invalid("write " + file + "=" + value + ": Invalid argument");
            }
            order.add(file.getFileName() + "=" + value);
            CgroupFiles.write(file, value);
        });
    }

    @Test
    void memoryAndSwapOrderKeepsMemoryBelowMemsw() throws IOException {
        Path dir = tmp.resolve("memory/berth/c1");
        write("memory", "memory.limit_in_bytes", Long.toString(100L << 20));
        write("memory", "memory.memsw.limit_in_bytes", Long.toString(200L << 20));
        List<String> order = new java.util.ArrayList<>();
        kernelLike(dir, order).setLimits(1L << 30, 2L << 30);
        assertEquals(List.of("memory.memsw.limit_in_bytes=" + (2L << 30), "memory.limit_in_bytes=" + (1L << 30)), order,
                "raising: memsw first");
        order.clear();
        kernelLike(dir, order).setLimits(50L << 20, 60L << 20);
        assertEquals(List.of("memory.limit_in_bytes=" + (50L << 20), "memory.memsw.limit_in_bytes=" + (60L << 20)), order,
                "lowering: memory first");
        order.clear();
        kernelLike(dir, order).setLimits(-1L, -1L);
        assertEquals(List.of("memory.memsw.limit_in_bytes=-1", "memory.limit_in_bytes=-1"), order);
        assertEquals(CgroupFiles.UNLIMITED, CgroupFiles.readLong(dir.resolve("memory.limit_in_bytes")));
    }

    @Test
    void swapWithoutAccountingIsRefused() throws IOException {
        Files.delete(tmp.resolve("memory/berth/c1/memory.memsw.limit_in_bytes"));
        BerthException e = assertThrows(BerthException.class, () -> m.update(CG, Resources.ofMemory(1 << 20, 2 << 20)));
        assertEquals(BerthException.Kind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().startsWith("update cgroup /berth/c1: "), e.getMessage());
        assertEquals(V1_UNLIMITED, read("memory", "memory.limit_in_bytes"), "nothing written");
    }

    @Test
    void existsPidsOom() {
        assertTrue(m.exists(CG));
        assertFalse(m.exists("/berth/other"));
        assertEquals(List.of(101, 102), m.pids(CG));
        assertEquals(List.of(), m.pids("/berth/other"));
        assertEquals(2, m.oomKillCount(CG));
    }

    @Test
    void removeTakesLeafAndEmptyParentsButNotRoot() throws IOException {
        // remove() rmdirs; a fake tree's directories must be empty for that, as cgroupfs ones look to rmdir
        String nested = "/berth/pod1/c2";
        for (Path mount : List.of(tmp.resolve("cpu"), tmp.resolve("memory"), tmp.resolve("unified"))) {
            Files.createDirectories(mount.resolve("berth/pod1/c2"));
        }
        Files.createDirectories(tmp.resolve("memory/berth/pod1/sibling"));
        m.remove(nested);
        assertFalse(Files.exists(tmp.resolve("cpu/berth/pod1/c2")));
        assertFalse(Files.exists(tmp.resolve("cpu/berth/pod1")), "empty parent removed");
        assertTrue(Files.exists(tmp.resolve("cpu/berth")), "root kept");
        assertFalse(Files.exists(tmp.resolve("unified/berth/pod1/c2")), "hybrid: unified hierarchy too");
        assertFalse(Files.exists(tmp.resolve("memory/berth/pod1/c2")));
        assertTrue(Files.exists(tmp.resolve("memory/berth/pod1/sibling")), "parent with a sibling kept");
        m.remove(nested); // absent: no error
        assertFalse(m.exists(nested));
    }

    @Test
    void removeOfBusyCgroupFails() {
        // c1 holds files in the fake tree: rmdir fails like a cgroup with processes
        BerthException e = assertThrows(BerthException.class, () -> m.remove(CG));
        assertEquals(BerthException.Kind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().contains("/berth/c1"));
    }

    @Test
    void updateOfMissingCgroupIsNotFound() {
        BerthException e = assertThrows(BerthException.class, () -> m.update("/berth/nope", Resources.ofPids(3)));
        assertEquals(BerthException.Kind.NOT_FOUND, e.kind());
    }

    @Test
    void sharedCpuCpuacctMountIsOneDirectory() {
        Path both = tmp.resolve("cpu,cpuacct");
        CgroupV1Manager co = new CgroupV1Manager(new CgroupLayout(CgroupMode.V1,
                Map.of("cpu", both, "cpuacct", both), null, Set.of()));
        assertEquals(co.dirs(CG).get("cpu"), co.dirs(CG).get("cpuacct"));
        assertEquals(CgroupFiles.UNAVAILABLE, CgroupFiles.readLong(co.dirs(CG).get("cpu").resolve("cpu.shares")));
    }

    @Test
    void aPodParentSpelledForSystemdIsRefusedByTheCgroupfsDriver() {
        m.checkPodParent("/kubepods/besteffort/pod1");
        m.checkPodParent(null);
        BerthException e = assertThrows(BerthException.class, () -> m.checkPodParent("kubepods-besteffort-pod1.slice"));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains("cgroupDriver to cgroupfs"), e.getMessage());
    }
}
