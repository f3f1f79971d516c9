package dev.berth.viewfs.cgroup;

import dev.berth.cgroups.CgroupFiles;
import dev.berth.cgroups.CgroupLayout;
import dev.berth.cgroups.CgroupMode;
import dev.berth.viewfs.caller.CgroupParents;
import dev.berth.viewfs.caller.ContainerCgroup;
import dev.berth.viewfs.view.CpuOnlineView;
import dev.berth.viewfs.view.CpuSnapshot;
import dev.berth.viewfs.view.DeviceIo;
import dev.berth.viewfs.view.MeminfoView;
import dev.berth.viewfs.view.MemorySnapshot;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The resource views' inputs on a real cgroup v2 host: the files the integration tests' CgroupV2Smoke
 * recorded in a QEMU guest (2 CPUs, 1965 MiB, no swap) for runc containers with known limits; the
 * recording lives in the cgroups module's test resources (v2-guest/, described in its
 * CgroupV2GuestRecordingTest). The views only read, so each recorded tree is the cgroup2 mount as is.
 */
class V2GuestRecordingTest {
    static final long MIB = 1024 * 1024;
    static final List<Integer> GUEST_CPUS = List.of(0, 1);

    static Path recording(String name) {
        try {
            return Path.of(V2GuestRecordingTest.class.getResource("/v2-guest/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static CgroupSource source(String tree) {
        return CgroupSource.forLayout(new CgroupLayout(CgroupMode.V2, Map.of(), recording(tree + "/cgroup"),
                Set.of("cpuset", "cpu", "io", "memory", "pids")));
    }

    static String guestMeminfo() throws IOException {
        return Files.readString(recording("proc/meminfo"));
    }

    static long meminfoKb(String meminfo, String label) {
        String line = meminfo.lines().filter(l -> l.startsWith(label + ":")).findFirst().orElseThrow();
        return Long.parseLong(line.substring(label.length() + 1).replace("kB", "").strip());
    }

    /** 96 MiB, cpu.max "150000 100000", the parent's cpuset 0-1, swap.max "max" on a host without swap. */
    @Test
    void cgroupfsContainer() throws IOException {
        CgroupSource s = source("cgroupfs");
        ContainerCgroup c = new ContainerCgroup("/berth/v2fs1", Map.of());
        assertEquals(List.of(c), s.containers(new CgroupParents(List.of("/berth"))));
        Limits l = s.limits(c);
        assertEquals(96 * MIB, l.memory());
        assertEquals(CgroupFiles.UNLIMITED, l.swap());
        assertEquals(150_000, l.quotaMicros());
        assertEquals(100_000, l.periodMicros());
        assertEquals("0-1", l.cpuset(), "cpuset.cpus is empty: the effective list counts");

        CpuSnapshot cpu = s.cpu(c);
        assertEquals(List.of(0, 1), cpu.visibleCpus(GUEST_CPUS), "1.5 CPUs of quota round up to 2");
        assertEquals("0-1\n", CpuOnlineView.render(cpu.visibleCpus(GUEST_CPUS).size()));
        assertEquals(7_657_107_000L, cpu.usageNanos());
        assertEquals(4_105_183_000L, cpu.userNanos());
        assertEquals(3_551_924_000L, cpu.systemNanos());

        MemorySnapshot m = s.memory(c);
        assertEquals(8_818_688L, m.usage());
        assertEquals(8 * MIB, m.inactiveFile());
        String meminfo = MeminfoView.render(guestMeminfo(), m);
        assertEquals(96 * 1024, meminfoKb(meminfo, "MemTotal"));
        assertEquals(96 * 1024 - 8_818_688L / 1024, meminfoKb(meminfo, "MemFree"));
        assertEquals(8 * 1024, meminfoKb(meminfo, "Cached"));
        assertEquals(0, meminfoKb(meminfo, "SwapTotal"), "the guest has no swap");

        assertEquals(Map.of("254:0", new DeviceIo(0, 8 * MIB, 0, 8, 0, 0)), s.io(c), "8 MiB written with fsync");
        assertEquals(Files.readString(recording("cgroupfs/cgroup/berth/v2fs1/cpu.pressure")), s.pressure(c, "cpu"));
        assertEquals(List.of(438), s.threads(c));
    }

    /** Updated through the systemd driver: 128 MiB, memory.swap.max 64 MiB, 1.5 CPUs on cpuset "1". */
    @Test
    void systemdScopeAfterAnUpdate() throws IOException {
        CgroupSource s = source("systemd");
        ContainerCgroup c = new ContainerCgroup("/system.slice/berth-v2sd1.scope", Map.of());
        Limits l = s.limits(c);
        assertEquals(128 * MIB, l.memory());
        assertEquals(64 * MIB, l.swap());
        assertEquals(150_000, l.quotaMicros());
        assertEquals("1", l.cpuset());
        assertEquals(List.of(1), s.cpu(c).visibleCpus(GUEST_CPUS), "the cpuset allows one CPU whatever the quota");
        String meminfo = MeminfoView.render(guestMeminfo(), s.memory(c));
        assertEquals(128 * 1024, meminfoKb(meminfo, "MemTotal"));
        assertEquals(0, meminfoKb(meminfo, "SwapTotal"), "memory.swap.max cannot add swap the host does not have");
    }

    /** The OOM-killed container: 32 MiB, memory.swap.max 0, nothing left running. */
    @Test
    void oomKilledContainer() throws IOException {
        CgroupSource s = source("oom");
        ContainerCgroup c = new ContainerCgroup("/berth/v2oom1", Map.of());
        Limits l = s.limits(c);
        assertEquals(32 * MIB, l.memory());
        assertEquals(0, l.swap());
        assertEquals(CgroupFiles.UNLIMITED, l.quotaMicros(), "cpu.max \"max 100000\"");
        assertEquals(GUEST_CPUS, s.cpu(c).visibleCpus(GUEST_CPUS));
        assertEquals(32 * 1024, meminfoKb(MeminfoView.render(guestMeminfo(), s.memory(c)), "MemTotal"));
        assertEquals(List.of(), s.threads(c));
    }
}
