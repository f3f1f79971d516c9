package dev.berth.cgroups.proc;

import dev.berth.oci.BerthException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ProcParsersTest {
    @Test
    void mountinfoWithOptionalFieldsAndEscapes() {
        List<MountInfo.Entry> e = MountInfo.parse(List.of(
                "28 24 0:24 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:10 master:3 - cgroup cgroup rw,seclabel,cpu,cpuacct",
                "90 41 0:45 /vol/with\\040space /mnt/with\\040space rw,relatime - xfs /dev/sdb1 rw"));
        assertEquals(2, e.size());
        MountInfo.Entry cg = e.get(0);
        assertEquals(28, cg.mountId());
        assertEquals(24, cg.parentId());
        assertEquals(List.of("shared:10", "master:3"), cg.optionalFields());
        assertEquals("cgroup", cg.fsType());
        assertEquals(Path.of("/sys/fs/cgroup/cpu,cpuacct"), cg.mountPoint());
        assertEquals(List.of("rw", "seclabel", "cpu", "cpuacct"), cg.superOptions());
        assertEquals(Path.of("/mnt/with space"), e.get(1).mountPoint());
        assertEquals("/vol/with space", e.get(1).root());
    }

    @Test
    void mountinfoRejectsGarbage() {
        BerthException x = assertThrows(BerthException.class, () -> MountInfo.parse(List.of("1 2 3")));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, x.kind());
    }

    @Test
    void selfCgroupKeepsColonsInPathAndSplitsControllers() {
        List<ProcSelfCgroup.Entry> e = ProcSelfCgroup.parse(List.of(
                "3:cpuacct,cpu:/a:b", "1:name=systemd:/x", "0::/user.slice"));
        assertEquals(List.of("cpuacct", "cpu"), e.get(0).controllers());
        assertEquals("/a:b", e.get(0).path());
        assertEquals(List.of("name=systemd"), e.get(1).controllers());
        assertFalse(e.get(1).isUnified());
        assertTrue(e.get(2).isUnified());
        assertEquals("/user.slice", e.get(2).path());
    }

    @Test
    void procCgroupsSkipsHeaderAndReadsEnabled() {
        List<ProcCgroups.Controller> c = ProcCgroups.parse(List.of(
                "#subsys_name\thierarchy\tnum_cgroups\tenabled", "memory\t4\t15\t1", "rdma\t0\t1\t0"));
        assertEquals(2, c.size());
        assertEquals(new ProcCgroups.Controller("memory", 4, 15, true), c.get(0));
        assertFalse(c.get(1).enabled());
    }
}
