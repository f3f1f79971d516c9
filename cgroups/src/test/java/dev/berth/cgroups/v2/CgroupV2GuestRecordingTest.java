package dev.berth.cgroups.v2;

import dev.berth.cgroups.CgroupDetector;
import dev.berth.cgroups.CgroupLayout;
import dev.berth.cgroups.CgroupMode;
import dev.berth.cgroups.CgroupStats;
import dev.berth.cgroups.Pressure;
import dev.berth.cgroups.Resources;
import dev.berth.cgroups.systemd.SystemdCgroupsPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The v2 code paths over the files of a real cgroup v2 host: resources/v2-guest was recorded by the
 * integration tests' CgroupV2Smoke in a QEMU guest (Debian 12, kernel 6.1, systemd 252, 2 CPUs, no
 * swap), for runc containers made with known limits (CgroupV2VmIT writes a fresh recording to
 * integration-tests/target/v2-record):
 * <ul>
 * <li>cgroupfs/: /berth/v2fs1, 96 MiB, cpu.max 150000/100000, pids 32, after writing 8 MiB with fsync;</li>
 * <li>systemd/: system.slice/berth-v2sd1.scope, updated through the systemd driver to 128 MiB,
 *     memory+swap 192 MiB, 512 shares, 1.5 CPUs, cpuset 1, pids 64;</li>
 * <li>oom/: /berth/v2oom1, 32 MiB and no swap, after its dd of 64 MiB was OOM-killed;</li>
 * <li>proc/: the guest's /proc/self/mountinfo, /proc/cgroups, /proc/self/cgroup and /proc/meminfo.</li>
 * </ul>
 * Each tree is copied to a temp dir that stands for /sys/fs/cgroup.
 */
class CgroupV2GuestRecordingTest {
    static final long MIB = 1024 * 1024;
    static final Set<String> CONTROLLERS = Set.of("cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc");

    @TempDir
    Path tmp;

    static Path recording(String name) {
        try {
            return Path.of(CgroupV2GuestRecordingTest.class.getResource("/v2-guest/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A v2 manager over a copy of the recorded tree {@code name}, rooted at {@code root} as the drivers root it. */
    CgroupV2Manager manager(String name, String root) throws IOException {
        Path from = recording(name + "/cgroup");
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path to = tmp.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return new CgroupV2Manager(new CgroupLayout(CgroupMode.V2, Map.of(), tmp, CONTROLLERS), root);
    }

    String file(String path, String name) throws IOException {
        return Files.readString(tmp.resolve(path.substring(1)).resolve(name)).strip();
    }

    @Test
    void detectsTheGuestsUnifiedLayout() {
        Path proc = recording("proc");
        CgroupLayout l = CgroupDetector.detect(proc.resolve("mountinfo"), proc.resolve("cgroups"), proc.resolve("self-cgroup"));
        assertEquals(CgroupMode.V2, l.mode());
        assertEquals(Path.of("/sys/fs/cgroup"), l.unifiedMount());
        assertEquals(Map.of(), l.v1Mounts());
        assertTrue(l.v2Controllers().containsAll(List.of("cpu", "cpuset", "io", "memory", "pids")), l.v2Controllers().toString());
    }

    @Test
    void cgroupfsContainerStats() throws IOException {
        CgroupV2Manager m = manager("cgroupfs", "berth");
        String path = m.cgroupsPath(null, "v2fs1");
        assertEquals("/berth/v2fs1", path);
        CgroupStats s = m.stats(path);
        // cpu.stat is in microseconds
        assertEquals(7_657_107_000L, s.cpuUsageNanos());
        assertEquals(4_105_183_000L, s.cpuUserNanos());
        assertEquals(3_551_924_000L, s.cpuSystemNanos());
        assertEquals(8_818_688L, s.memoryUsage());
        assertEquals(96 * MIB, s.memoryLimit());
        // the 8 MiB the container wrote are all inactive_file: the working set is what is left
        assertEquals(8_818_688L - 8 * MIB, s.memoryWorkingSet());
        assertEquals(8 * MIB, s.memoryCache());
        assertEquals(0, s.swapUsage());
        assertEquals(1, s.pidsCurrent());
        assertEquals(32, s.pidsLimit());
        assertEquals(0, s.oomKillCount());
        assertEquals(List.of(438), m.pids(path), "the container's sleep, as the guest numbered it");
        Pressure psi = m.pressure(path).orElseThrow();
        assertEquals(new Pressure(1.20, 0.00, 0.05), psi);
    }

    @Test
    void oomKillFromMemoryEvents() throws IOException {
        CgroupV2Manager m = manager("oom", "berth");
        String path = "/berth/v2oom1";
        assertEquals(1, m.oomKillCount(path));
        CgroupStats s = m.stats(path);
        assertEquals(1, s.oomKillCount());
        assertEquals(32 * MIB, s.memoryLimit());
        assertEquals(0, s.pidsCurrent(), "the container's only process was the one killed");
    }

    @Test
    void systemdScopeReadThroughTheSlicesManager() throws IOException {
        // what SystemdCgroupManager does with its cgroupsPath on v2
        SystemdCgroupsPath p = SystemdCgroupsPath.parse("system.slice:berth:v2sd1");
        CgroupV2Manager m = manager("systemd", p.relativeSliceDir());
        String path = "/" + p.relativeDir();
        assertEquals("/system.slice/berth-v2sd1.scope", path);
        CgroupStats s = m.stats(path);
        assertEquals(128 * MIB, s.memoryLimit());
        assertEquals(64, s.pidsLimit());
        assertEquals(1_809_799_000L, s.cpuUsageNanos());
        assertEquals(0, s.oomKillCount());
    }

    /**
     * The cgroupfs driver's update of a container recorded before it, compared file by file with
     * what the guest's kernel showed after the same update went through systemd and the files.
     */
    @Test
    void updateWritesWhatTheKernelShowsForTheSameUpdate() throws IOException {
        CgroupV2Manager m = manager("cgroupfs", "berth");
        String path = "/berth/v2fs1";
        m.update(path, new Resources(128 * MIB, 192 * MIB, 512L, 150_000L, 100_000L, "1", null, 64L));
        Path kernel = recording("systemd/cgroup/system.slice/berth-v2sd1.scope");
        for (String f : List.of("memory.max", "memory.swap.max", "cpu.weight", "cpu.max", "cpuset.cpus", "pids.max")) {
            assertEquals(Files.readString(kernel.resolve(f)).strip(), file(path, f), f);
        }
    }

    @Test
    void unlimitedAsTheKernelPrintsIt() throws IOException {
        CgroupV2Manager m = manager("cgroupfs", "berth");
        String path = "/berth/v2fs1";
        m.update(path, new Resources(-1L, -1L, null, -1L, null, null, null, 0L));
        assertEquals("max", file(path, "memory.max"));
        assertEquals("max", file(path, "memory.swap.max"));
        // the slice's recorded cpu.max: "max <period>"
        assertEquals(Files.readString(recording("systemd/cgroup/system.slice/cpu.max")).strip(), file(path, "cpu.max"));
        assertEquals("max", file(path, "pids.max"));
        CgroupStats s = m.stats(path);
        assertEquals(CgroupStats.UNLIMITED, s.memoryLimit());
        assertEquals(CgroupStats.UNLIMITED, s.pidsLimit());
    }
}
