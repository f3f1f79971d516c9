package dev.berth.cgroups.factory;

import dev.berth.cgroups.CgroupLayout;
import dev.berth.cgroups.CgroupManager;
import dev.berth.cgroups.CgroupMode;
import dev.berth.cgroups.v1.CgroupV1Manager;
import dev.berth.cgroups.v2.CgroupV2Manager;
import dev.berth.oci.BerthException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class CgroupManagersTest {
    static final CgroupLayout HYBRID = new CgroupLayout(CgroupMode.HYBRID,
            Map.of("memory", Path.of("/sys/fs/cgroup/memory")), Path.of("/sys/fs/cgroup/unified"), Set.of("hugetlb"));
    static final CgroupLayout V2 = new CgroupLayout(CgroupMode.V2, Map.of(), Path.of("/sys/fs/cgroup"), Set.of("memory"));

    @Test
    void picksByVersion() {
        assertInstanceOf(CgroupV1Manager.class, CgroupManagers.create("cgroupfs", HYBRID));
        assertInstanceOf(CgroupV1Manager.class, CgroupManagers.create(null,
                new CgroupLayout(CgroupMode.V1, Map.of("memory", Path.of("/m")), null, Set.of())));
        assertInstanceOf(CgroupV2Manager.class, CgroupManagers.create("cgroupfs", V2));
        assertEquals("cgroupfs", CgroupManagers.create("cgroupfs", V2).driver());
    }

    @Test
    void systemdRefusedWithoutSystemd(@TempDir Path tmp) {
        Path missing = tmp.resolve("run/systemd/system");
        BerthException e = assertThrows(BerthException.class, () -> CgroupManagers.create("systemd", HYBRID, missing));
        assertEquals(BerthException.Kind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().contains("systemd is not running as PID 1"), e.getMessage());
        assertTrue(e.getMessage().contains("cgroup_manager = \"cgroupfs\""), e.getMessage());
        assertThrows(BerthException.class, () -> CgroupManagers.create("bogus", HYBRID));
    }

    @Test
    void defaultDriverFollowsSystemd(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run/systemd/system");
        assertEquals("cgroupfs", CgroupManagers.defaultDriver(dir));
        Files.createDirectories(dir);
        assertEquals("systemd", CgroupManagers.defaultDriver(dir));
    }

    @Test
    void cgroupsPathRules() {
        CgroupManager m = CgroupManagers.create("cgroupfs", HYBRID);
        assertEquals("/berth/abc", m.cgroupsPath(null, "abc"));
        assertEquals("/berth/abc", m.cgroupsPath("", "abc"));
        assertEquals("/berth/pod1/abc", m.cgroupsPath("/berth/pod1/", "abc"));
        assertThrows(BerthException.class, () -> m.cgroupsPath(null, "a/b"));
        assertThrows(BerthException.class, () -> m.cgroupsPath(null, ".."));
        assertThrows(BerthException.class, () -> m.cgroupsPath("berth/../..", "x"));
        assertThrows(BerthException.class, () -> m.exists("relative/path"));
    }

    @Test
    void layoutChecksConsistency() {
        assertThrows(IllegalArgumentException.class, () -> new CgroupLayout(CgroupMode.V2, Map.of(), null, Set.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new CgroupLayout(CgroupMode.V2, Map.of("memory", Path.of("/m")), Path.of("/u"), Set.of()));
    }
}
