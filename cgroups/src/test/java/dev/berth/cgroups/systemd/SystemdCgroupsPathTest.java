package dev.berth.cgroups.systemd;

import dev.berth.oci.BerthException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class SystemdCgroupsPathTest {
    @Test
    void expandsSlicesLikeRunc() {
        assertEquals("/system.slice", SystemdCgroupsPath.expandSlice("system.slice"));
        assertEquals("/test.slice/test-a.slice", SystemdCgroupsPath.expandSlice("test-a.slice"));
        assertEquals("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1234_5678.slice",
                SystemdCgroupsPath.expandSlice("kubepods-besteffort-pod1234_5678.slice"));
        for (String bad : new String[] {"test--a.slice", "-test.slice", "test-.slice", "test.scope", ".slice",
                "a/b.slice", "-.slice", "a:b.slice", "", "slice"}) {
            BerthException e = assertThrows(BerthException.class, () -> SystemdCgroupsPath.expandSlice(bad), bad);
            assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind());
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
        assertThrows(BerthException.class, () -> SystemdCgroupsPath.expandSlice(null));
    }

    @Test
    void parentSliceFollowsTheName() {
        assertNull(SystemdCgroupsPath.parentSlice("kubepods.slice"));
        assertEquals("kubepods-besteffort.slice", SystemdCgroupsPath.parentSlice("kubepods-besteffort-podx.slice"));
        assertEquals("a.slice", SystemdCgroupsPath.parentSlice("a-b.slice"));
    }

    @Test
    void parsesRuncForm() {
        SystemdCgroupsPath p = SystemdCgroupsPath.parse("system.slice:berth:abc123");
        assertEquals("system.slice", p.slice());
        assertEquals("berth-abc123.scope", p.unitName());
        assertEquals("system.slice/berth-abc123.scope", p.relativeDir());
        assertEquals("system.slice:berth:abc123", p.toString());

        SystemdCgroupsPath pod = SystemdCgroupsPath.parse("kubepods-besteffort-pod42.slice:cri-berth:c1");
        assertEquals("kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod42.slice/cri-berth-c1.scope",
                pod.relativeDir());
        // runc: an empty slice is system.slice, an empty prefix gives <name>.scope
        SystemdCgroupsPath bare = SystemdCgroupsPath.parse("::c2");
        assertEquals("system.slice", bare.slice());
        assertEquals("c2.scope", bare.unitName());
    }

    @Test
    void refusesBadPaths() {
        for (String bad : new String[] {"/berth/abc", "system.slice:berth", "a:b:c:d", "system.slice:berth:",
                "system.slice:be/rth:x", "system.slice:berth:a/b", "nosuffix:berth:x", "system.slice:berth:x.slice",
                "system.slice:berth:" + "x".repeat(250)}) {
            BerthException e = assertThrows(BerthException.class, () -> SystemdCgroupsPath.parse(bad), bad);
            assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind(), bad);
        }
        assertThrows(BerthException.class, () -> SystemdCgroupsPath.parse(null));
    }

    @Test
    void containerPathFromParent() {
        assertEquals("system.slice:berth:c1", SystemdCgroupsPath.forContainer(null, "c1").toString());
        assertEquals("system.slice:berth:c1", SystemdCgroupsPath.forContainer("  ", "c1").toString());
        // the cgroupfs default parent "berth" becomes the prefix, so one config serves both drivers
        assertEquals("system.slice:berth:c1", SystemdCgroupsPath.forContainer("berth", "c1").toString());
        assertEquals("system.slice:web:c1", SystemdCgroupsPath.forContainer("web", "c1").toString());
        assertEquals("kubepods-burstable-pod9.slice:berth:c1",
                SystemdCgroupsPath.forContainer("kubepods-burstable-pod9.slice", "c1").toString());
        assertThrows(BerthException.class, () -> SystemdCgroupsPath.forContainer("/berth/pod1", "c1"));
        assertThrows(BerthException.class, () -> SystemdCgroupsPath.forContainer(null, "../x"));
        assertThrows(BerthException.class, () -> SystemdCgroupsPath.forContainer("bad--.slice", "c1"));
    }

    @Test
    void checksUnitNames() {
        assertEquals("berth-shim-c1.scope", SystemdCgroupsPath.checkUnitName("berth-shim-c1.scope", ".scope"));
        for (String bad : new String[] {".scope", "a b.scope", "a.service", "a/b.scope", "x".repeat(250) + ".scope"}) {
            assertThrows(BerthException.class, () -> SystemdCgroupsPath.checkUnitName(bad, ".scope"), bad);
        }
        assertThrows(BerthException.class, () -> SystemdCgroupsPath.checkUnitName(null, ".scope"));
    }
}
