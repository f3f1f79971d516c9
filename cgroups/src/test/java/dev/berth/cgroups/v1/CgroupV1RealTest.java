package dev.berth.cgroups.v1;

import dev.berth.cgroups.CgroupDetector;
import dev.berth.cgroups.CgroupFiles;
import dev.berth.cgroups.CgroupLayout;
import dev.berth.cgroups.CgroupManager;
import dev.berth.cgroups.factory.CgroupManagers;
import dev.berth.cgroups.CgroupMode;
import dev.berth.cgroups.CgroupStats;
import dev.berth.cgroups.Resources;
import dev.berth.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Against the real v1 hierarchies of this host: needs root and a V1 or HYBRID layout, else it is
 * skipped with the reason printed. The test plays runc's part in creating the cgroup.
 */
class CgroupV1RealTest {
    CgroupLayout layout;
    String cg;
    final List<Path> made = new ArrayList<>();
    Process proc;

    @BeforeEach
    void check() {
        String reason = null;
        if (!"root".equals(System.getProperty("user.name"))) {
            reason = "not root";
        } else if (!Files.isReadable(Path.of("/proc/self/mountinfo"))) {
            reason = "no /proc";
        } else {
            layout = CgroupDetector.detect();
            if (layout.mode() == CgroupMode.V2) {
                reason = "host is cgroup v2";
            } else if (!List.of("memory", "cpu", "cpuacct", "pids", "cpuset").stream().allMatch(layout.v1Mounts()::containsKey)) {
                reason = "missing v1 controllers in " + layout.v1Mounts().keySet();
            } else if (!Files.isWritable(layout.v1Mounts().get("memory"))) {
                reason = "memory hierarchy not writable";
            }
        }
        if (reason != null) {
            System.out.println("SKIP CgroupV1RealTest: " + reason);
        }
        Assumptions.assumeTrue(reason == null, reason);
        cg = "/berth-test-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** runc's job: mkdir in every hierarchy, cpuset filled from the parent (v1 starts it empty). */
    private void createCgroup() throws IOException {
        Set<Path> mounts = new LinkedHashSet<>(layout.v1Mounts().values());
        for (Path mount : mounts) {
            Path d = mount.resolve(cg.substring(1));
            Files.createDirectory(d);
            made.add(d);
        }
        Path cpuset = layout.v1Mounts().get("cpuset");
        Path d = cpuset.resolve(cg.substring(1));
        Files.writeString(d.resolve("cpuset.cpus"), Files.readString(cpuset.resolve("cpuset.cpus")).trim());
        Files.writeString(d.resolve("cpuset.mems"), Files.readString(cpuset.resolve("cpuset.mems")).trim());
    }

    @Test
    void fullCycleOnRealHierarchies() throws Exception {
        CgroupManager m = CgroupManagers.create("cgroupfs", layout);
        createCgroup();
        assertTrue(m.exists(cg));

        // waits on stdin so it does its work only once it is inside the cgroup
        proc = new ProcessBuilder("sh", "-c", "read go; x=$(head -c 4000000 /dev/urandom | od -An | head -c 3000000); "
                + "echo ready; exec sleep 300").start();
        long pid = proc.pid();
        for (Path d : made) {
            Files.writeString(d.resolve("cgroup.procs"), Long.toString(pid));
        }
        assertEquals(List.of((int) pid), m.pids(cg));

        m.update(cg, Resources.ofMemory(256L << 20, 512L << 20).and(Resources.ofCpus(0.5))
                .and(Resources.ofShares(512)).and(Resources.ofPids(50)));
        Path mem = layout.v1Mounts().get("memory").resolve(cg.substring(1));
        Path cpu = layout.v1Mounts().get("cpu").resolve(cg.substring(1));
        Path pids = layout.v1Mounts().get("pids").resolve(cg.substring(1));
        assertEquals(256L << 20, CgroupFiles.readLong(mem.resolve("memory.limit_in_bytes")));
        if (Files.exists(mem.resolve("memory.memsw.limit_in_bytes"))) {
            assertEquals(512L << 20, CgroupFiles.readLong(mem.resolve("memory.memsw.limit_in_bytes")));
        }
        assertEquals(50_000, CgroupFiles.readLong(cpu.resolve("cpu.cfs_quota_us")));
        assertEquals(100_000, CgroupFiles.readLong(cpu.resolve("cpu.cfs_period_us")));
        assertEquals(512, CgroupFiles.readLong(cpu.resolve("cpu.shares")));
        assertEquals(50, CgroupFiles.readLong(pids.resolve("pids.max")));

        // raise both limits: only valid in the kernel if memsw goes first
        m.update(cg, Resources.ofMemory(1L << 30, 2L << 30).and(Resources.ofCpus(1.5)));
        assertEquals(1L << 30, CgroupFiles.readLong(mem.resolve("memory.limit_in_bytes")));
        assertEquals(150_000, CgroupFiles.readLong(cpu.resolve("cpu.cfs_quota_us")));
        m.update(cg, Resources.ofMemory(-1).and(Resources.ofPids(-1)).and(new Resources(null, null, null, -1L, null, null, null, null)));
        assertEquals(CgroupFiles.UNLIMITED, CgroupFiles.readLong(mem.resolve("memory.limit_in_bytes")));
        assertEquals(CgroupFiles.UNLIMITED, CgroupFiles.readLong(pids.resolve("pids.max")));
        assertEquals(CgroupFiles.UNLIMITED, CgroupFiles.readLong(cpu.resolve("cpu.cfs_quota_us")));

        try (OutputStream in = proc.getOutputStream()) {
            in.write("go\n".getBytes());
        }
        String line = new String(proc.getInputStream().readNBytes(6));
        assertEquals("ready\n", line);

        CgroupStats s = m.stats(cg);
        assertTrue(s.pidsCurrent() >= 1, s.toString());
        assertTrue(s.memoryUsage() > 0, s.toString());
        assertEquals(CgroupStats.UNLIMITED, s.memoryLimit());
        assertTrue(s.cpuUsageNanos() > 0, s.toString());
        assertTrue(s.memoryWorkingSet() >= 0 && s.memoryWorkingSet() <= s.memoryUsage(), s.toString());
        assertEquals(0, m.oomKillCount(cg));

        proc.destroyForcibly().waitFor();
        m.remove(cg);
        assertFalse(m.exists(cg));
        for (Path d : made) {
            assertFalse(Files.exists(d), d + " left behind");
        }
    }

    @Test
    void oomKillIsCounted() throws Exception {
        CgroupManager m = CgroupManagers.create("cgroupfs", layout);
        createCgroup();
        proc = new ProcessBuilder("sh", "-c", "read go; x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived").start();
        for (Path d : made) {
            Files.writeString(d.resolve("cgroup.procs"), Long.toString(proc.pid()));
        }
        m.update(cg, Resources.ofMemory(16L << 20, 16L << 20));
        try (OutputStream in = proc.getOutputStream()) {
            in.write("go\n".getBytes());
        }
        proc.waitFor();
        // the pipeline's other members may still be dying (and counted) after sh exits
        Await.lastValue(() -> m.pids(cg), List::isEmpty, 10_000);
        long oom = m.oomKillCount(cg);
        assertTrue(oom >= 1 || oom == CgroupFiles.UNAVAILABLE, "oom_kill " + oom);
        if (oom == CgroupFiles.UNAVAILABLE) {
            System.out.println("SKIP part of oomKillIsCounted: kernel has no oom_kill counter");
        }
        assertEquals(oom, m.stats(cg).oomKillCount());
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (proc != null) {
            proc.descendants().forEach(ProcessHandle::destroyForcibly);
            proc.destroyForcibly().waitFor();
        }
        for (Path d : made) {
            Await.eventually(() -> {
                try {
                    Files.deleteIfExists(d);
                    return true;
                } catch (IOException e) {
                    return false; // processes still leaving it
                }
            }, 5_000);
            if (Files.exists(d)) {
                System.out.println("WARN could not remove " + d);
            }
        }
    }
}
