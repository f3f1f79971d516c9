package dev.berth.cgroups.v2;

import dev.berth.cgroups.CgroupLayout;
import dev.berth.cgroups.CgroupMode;
import dev.berth.cgroups.CgroupStats;
import dev.berth.cgroups.Pressure;
import dev.berth.cgroups.Resources;
import dev.berth.oci.BerthException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The v2 manager against a fake cgroup2 tree of plain files. */
class CgroupV2ManagerTest {
    static final String CG = "/berth/c1";

    @TempDir
    Path tmp;
    Path dir;
    CgroupV2Manager m;

    @BeforeEach
    void setUp() throws IOException {
        m = new CgroupV2Manager(new CgroupLayout(CgroupMode.V2, Map.of(), tmp,
                Set.of("cpu", "cpuset", "io", "memory", "pids")));
        dir = tmp.resolve("berth/c1");
        Files.createDirectories(dir);
        put("cpu.stat", "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n");
        put("cpu.max", "max 100000");
        put("cpu.weight", "100");
        put("cpuset.cpus", "");
        put("cpuset.mems", "");
        put("memory.current", "20971520");
        put("memory.max", "max");
        put("memory.swap.current", "4096");
        put("memory.swap.max", "max");
        put("memory.stat", "anon 10485760\nfile 8388608\nkernel 1048576\nactive_file 4194304\ninactive_file 3145728\n");
        put("memory.events", "low 0\nhigh 0\nmax 7\noom 2\noom_kill 1\noom_group_kill 0\n");
        put("pids.current", "3");
        put("pids.max", "100");
        put("cgroup.procs", "7\n8\n9\n");
        put("cpu.pressure", "some avg10=2.25 avg60=1.00 avg300=0.10 total=99\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
    }

    void put(String file, String value) throws IOException {
        Files.writeString(dir.resolve(file), value + "\n");
    }

    String get(String file) throws IOException {
        return Files.readString(dir.resolve(file)).trim();
    }

    @Test
    void stats() {
        CgroupStats s = m.stats(CG);
        assertEquals(1_500_000_000L, s.cpuUsageNanos());
        assertEquals(1_000_000_000L, s.cpuUserNanos());
        assertEquals(500_000_000L, s.cpuSystemNanos());
        assertEquals(20_971_520L, s.memoryUsage());
        assertEquals(CgroupStats.UNLIMITED, s.memoryLimit(), "\"max\"");
        assertEquals(20_971_520L - 3_145_728L, s.memoryWorkingSet());
        assertEquals(8_388_608L, s.memoryCache());
        assertEquals(4096, s.swapUsage());
        assertEquals(3, s.pidsCurrent());
        assertEquals(100, s.pidsLimit());
        assertEquals(1, s.oomKillCount());
        assertEquals(1, m.oomKillCount(CG));
    }

    @Test
    void statsWithoutControllerFilesAreUnavailable() throws IOException {
        // a cgroup whose parent did not enable memory/pids in subtree_control only has cpu.stat
        for (String f : List.of("memory.current", "memory.max", "memory.swap.current", "memory.stat", "memory.events",
                "pids.current", "pids.max")) {
            Files.delete(dir.resolve(f));
        }
        CgroupStats s = m.stats(CG);
        assertEquals(1_500_000_000L, s.cpuUsageNanos());
        assertEquals(CgroupStats.UNAVAILABLE, s.memoryUsage());
        assertEquals(CgroupStats.UNAVAILABLE, s.memoryWorkingSet());
        assertEquals(CgroupStats.UNAVAILABLE, s.pidsLimit());
        assertEquals(CgroupStats.UNAVAILABLE, s.oomKillCount());
    }

    @Test
    void updateWritesV2Files() throws IOException {
        m.update(CG, new Resources(256L << 20, 384L << 20, 1024L, 50_000L, 100_000L, "0-1", "0", 64L));
        assertEquals(Long.toString(256L << 20), get("memory.max"));
        assertEquals(Long.toString(128L << 20), get("memory.swap.max"), "v2 swap excludes memory");
        assertEquals("39", get("cpu.weight"));
        assertEquals("50000 100000", get("cpu.max"));
        assertEquals("0-1", get("cpuset.cpus"));
        assertEquals("0", get("cpuset.mems"));
        assertEquals("64", get("pids.max"));
    }

    @Test
    void updateMaxHandling() throws IOException {
        put("cpu.max", "20000 50000");
        m.update(CG, new Resources(null, null, null, null, 200_000L, null, null, null));
        assertEquals("20000 200000", get("cpu.max"), "period alone keeps the quota");
        m.update(CG, new Resources(null, null, null, -1L, null, null, null, null));
        assertEquals("max 200000", get("cpu.max"));
        m.update(CG, Resources.ofMemory(-1).and(Resources.ofPids(-1)));
        assertEquals("max", get("memory.max"));
        assertEquals("max", get("memory.swap.max"));
        assertEquals("max", get("pids.max"));
        assertEquals("100", get("cpu.weight"), "untouched");
    }

    @Test
    void blkioWeightIsConvertedIoWeightOrUnchangedBfqWeight() throws IOException {
        put("io.weight", "default 100");
        m.update(CG, Resources.ofBlkioWeight(500));
        assertEquals("default 4950", get("io.weight"), "runc's [10,1000] to [1,10000] conversion");
        put("io.bfq.weight", "default 100");
        m.update(CG, Resources.ofBlkioWeight(200));
        assertEquals("200", get("io.bfq.weight"), "BFQ takes the blkio weight unchanged, as in runc 1.1");
        assertEquals("default 4950", get("io.weight"));
    }

    @Test
    void swapWithoutMemoryLimitIsRejectedBeforeAnyWrite() throws IOException {
        BerthException e = assertThrows(BerthException.class,
                () -> m.update(CG, new Resources(null, 1L << 30, null, null, null, "1", null, null)));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind());
        assertEquals("max", get("memory.swap.max"));
    }

    @Test
    void missingControllerFileIsFailedPrecondition() throws IOException {
        Files.delete(dir.resolve("pids.max"));
        BerthException e = assertThrows(BerthException.class, () -> m.update(CG, Resources.ofPids(5)));
        assertEquals(BerthException.Kind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().startsWith("update cgroup /berth/c1: "), e.getMessage());
        assertFalse(Files.exists(dir.resolve("pids.max")));
    }

    @Test
    void pidsPressureExists() {
        assertEquals(List.of(7, 8, 9), m.pids(CG));
        assertTrue(m.exists(CG));
        assertFalse(m.exists("/berth/zz"));
        Pressure p = m.pressure(CG).orElseThrow();
        assertEquals(2.25, p.cpuSomeAvg10());
        assertTrue(Double.isNaN(p.ioSomeAvg10()));
        assertTrue(m.pressure("/berth/zz").isEmpty());
        assertThrows(BerthException.class, () -> m.stats("/berth/zz"));
    }

    @Test
    void removeLeafAndEmptyParents() throws IOException {
        Files.createDirectories(tmp.resolve("berth/a/b/c3"));
        m.remove("/berth/a/b/c3");
        assertFalse(Files.exists(tmp.resolve("berth/a")));
        assertTrue(Files.exists(tmp.resolve("berth")));
        m.remove("/berth/a/b/c3");
        // outside the root only the leaf goes
        Files.createDirectories(tmp.resolve("other/p/c4"));
        m.remove("/other/p/c4");
        assertFalse(Files.exists(tmp.resolve("other/p/c4")));
        assertTrue(Files.exists(tmp.resolve("other/p")));
    }
}
