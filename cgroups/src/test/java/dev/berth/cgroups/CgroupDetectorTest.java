package dev.berth.cgroups;

import dev.berth.oci.BerthException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class CgroupDetectorTest {
    static Path fixture(String name) {
        try {
            return Path.of(CgroupDetectorTest.class.getResource("/fixtures/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static CgroupLayout detectFixture(String name) {
        Path d = fixture(name);
        return CgroupDetector.detect(d.resolve("mountinfo"), d.resolve("cgroups"), d.resolve("self-cgroup"));
    }

    @Test
    void hybridHostOfThisProject() {
        CgroupLayout l = detectFixture("hybrid");
        assertEquals(CgroupMode.HYBRID, l.mode());
        assertEquals(Path.of("/sys/fs/cgroup/unified"), l.unifiedMount());
        // cpu and cpuacct are separate mounts here
        assertEquals(Path.of("/sys/fs/cgroup/cpu"), l.v1Mounts().get("cpu"));
        assertEquals(Path.of("/sys/fs/cgroup/cpuacct"), l.v1Mounts().get("cpuacct"));
        assertEquals(Path.of("/sys/fs/cgroup/memory"), l.v1Mounts().get("memory"));
        assertEquals(Path.of("/sys/fs/cgroup/systemd"), l.v1Mounts().get("name=systemd"));
        assertEquals(Set.of("cpu", "cpuacct", "cpuset", "memory", "pids", "blkio", "devices", "freezer", "name=systemd"),
                l.v1Mounts().keySet());
        // hugetlb has hierarchy 0 and is a cgroup2 controller; net_cls etc. are v1-only
        assertEquals(Set.of("hugetlb"), l.v2Controllers());
    }

    @Test
    void pureV1WithComountedCpuAndNetCls() {
        CgroupLayout l = detectFixture("v1");
        assertEquals(CgroupMode.V1, l.mode());
        assertNull(l.unifiedMount());
        assertEquals(Path.of("/sys/fs/cgroup/cpu,cpuacct"), l.v1Mounts().get("cpu"));
        assertEquals(l.v1Mounts().get("cpu"), l.v1Mounts().get("cpuacct"));
        assertEquals(Path.of("/sys/fs/cgroup/net_cls,net_prio"), l.v1Mounts().get("net_prio"));
        assertEquals(Path.of("/sys/fs/cgroup/hugetlb"), l.v1Mounts().get("hugetlb"));
        assertFalse(l.v1Mounts().containsKey("seclabel"), "mount options are not controllers");
        assertFalse(l.v1Mounts().containsKey("xattr"));
        assertTrue(l.v1Mounts().containsKey("name=systemd"));
        assertTrue(l.v2Controllers().isEmpty());
    }

    @Test
    void unifiedV2() {
        CgroupLayout l = detectFixture("v2");
        assertEquals(CgroupMode.V2, l.mode());
        assertEquals(Path.of("/sys/fs/cgroup"), l.unifiedMount());
        assertTrue(l.v1Mounts().isEmpty());
        assertEquals(Set.of("cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc"), l.v2Controllers());
    }

    @Test
    void worksWithoutProcCgroups(@TempDir Path tmp) {
        Path d = fixture("v1");
        CgroupLayout l = CgroupDetector.detect(d.resolve("mountinfo"), tmp.resolve("absent"), tmp.resolve("absent2"));
        assertEquals(CgroupMode.V1, l.mode());
        assertEquals(Path.of("/sys/fs/cgroup/memory"), l.v1Mounts().get("memory"));
    }

    @Test
    void disabledControllerIsIgnored(@TempDir Path tmp) throws Exception {
        Path cg = tmp.resolve("cgroups");
        Files.writeString(cg, Files.readString(fixture("v1").resolve("cgroups")).replace("memory\t4\t87\t1", "memory\t4\t87\t0"));
        CgroupLayout l = CgroupDetector.detect(fixture("v1").resolve("mountinfo"), cg, tmp.resolve("none"));
        assertFalse(l.v1Mounts().containsKey("memory"));
        assertTrue(l.v1Mounts().containsKey("pids"));
    }

    @Test
    void noCgroupMountsFails(@TempDir Path tmp) throws Exception {
        Path mi = tmp.resolve("mountinfo");
        Files.writeString(mi, "29 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw\n");
        BerthException e = assertThrows(BerthException.class,
                () -> CgroupDetector.detect(mi, tmp.resolve("x"), tmp.resolve("y")));
        assertEquals(BerthException.Kind.FAILED_PRECONDITION, e.kind());
    }

    @Test
    void onlyNamedV1HierarchyWithCgroup2IsV2(@TempDir Path tmp) throws Exception {
        Path mi = tmp.resolve("mountinfo");
        Files.writeString(mi, """
                25 24 0:21 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
                33 22 0:27 / /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw,nsdelegate
                """);
        CgroupLayout l = CgroupDetector.detect(mi, fixture("v2").resolve("cgroups"), tmp.resolve("y"));
        assertEquals(CgroupMode.V2, l.mode());
        assertTrue(l.v1Mounts().isEmpty());
    }

    @Test
    void realHostDetects() {
        if (!Files.isReadable(Path.of("/proc/self/mountinfo"))) {
            System.out.println("SKIP realHostDetects: no /proc/self/mountinfo");
            return;
        }
        CgroupLayout l = CgroupDetector.detect();
        assertNotNull(l.mode());
        if (l.mode() != CgroupMode.V2) {
            assertTrue(l.v1Mounts().values().stream().allMatch(Files::isDirectory), l.toString());
        } else {
            assertTrue(Files.isDirectory(l.unifiedMount()));
        }
    }
}
