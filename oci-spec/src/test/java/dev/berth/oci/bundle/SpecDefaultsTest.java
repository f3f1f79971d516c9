package dev.berth.oci.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.oci.json.OciJson;
import dev.berth.oci.spec.runtime.Linux;
import dev.berth.oci.spec.runtime.LinuxResources.DeviceRule;
import dev.berth.oci.spec.runtime.Mount;
import dev.berth.oci.spec.runtime.Process;
import dev.berth.oci.spec.runtime.Spec;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SpecDefaultsTest {
    private final Spec spec = SpecDefaults.secure(1 << 30);

    @Test
    void namespacesAreDockers() {
        assertEquals(Set.of("pid", "ipc", "uts", "mount", "network"),
                Set.copyOf(spec.linux().namespaces().stream().map(Linux.Namespace::type).toList()));
        assertTrue(spec.linux().namespaces().stream().allMatch(n -> n.path() == null));
    }

    @Test
    void capabilitiesAreDockersDefaultSetWithoutInheritableOrAmbient() {
        Process.Capabilities c = spec.process().capabilities();
        List<String> expected = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
                "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
                "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");
        assertEquals(expected, c.bounding());
        assertEquals(expected, c.effective());
        assertEquals(expected, c.permitted());
        assertNull(c.inheritable());
        assertNull(c.ambient());
        assertFalse(c.bounding().contains("CAP_SYS_ADMIN"));
    }

    @Test
    void processIsConfined() {
        assertTrue(spec.process().noNewPrivileges());
        assertEquals(0L, spec.process().user().uid());
        assertEquals("/", spec.process().cwd());
        assertEquals(List.of(SpecDefaults.DEFAULT_PATH), spec.process().env());
        assertNull(spec.process().oomScoreAdj(), "lowering oom_score_adj needs CAP_SYS_RESOURCE");
        assertEquals("rootfs", spec.root().path());
        assertFalse(spec.root().readonly());
    }

    @Test
    void mountsAreTheStandardSet() {
        List<String> destinations = spec.mounts().stream().map(Mount::destination).toList();
        assertEquals(List.of("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"), destinations);
        Mount sys = spec.mounts().get(5);
        assertTrue(sys.options().contains("ro"));
        Mount cgroup = spec.mounts().get(6);
        assertEquals("cgroup", cgroup.type());
        assertTrue(cgroup.options().contains("ro"));
        assertTrue(spec.mounts().get(1).options().contains("nosuid"));
        assertTrue(spec.mounts().get(3).options().containsAll(List.of("nosuid", "noexec", "nodev")));
    }

    @Test
    void maskedAndReadonlyPathsCoverRuncsDefaults() {
        assertTrue(spec.linux().maskedPaths().containsAll(List.of("/proc/acpi", "/proc/asound", "/proc/kcore",
                "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
                "/sys/firmware", "/proc/scsi")));
        assertEquals(List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"),
                spec.linux().readonlyPaths());
    }

    @Test
    void deviceCgroupDeniesAllFirstThenAllowsStandardDevices() {
        List<DeviceRule> rules = spec.linux().resources().devices();
        DeviceRule first = rules.get(0);
        assertFalse(first.allow());
        assertNull(first.type());
        assertNull(first.major());
        assertEquals("rwm", first.access());
        for (long[] mm : new long[][] {{1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}, {5, 2}}) {
            assertTrue(rules.stream().anyMatch(r -> r.allow() && "c".equals(r.type())
                    && Long.valueOf(mm[0]).equals(r.major()) && Long.valueOf(mm[1]).equals(r.minor())
                    && "rwm".equals(r.access())), mm[0] + ":" + mm[1]);
        }
        assertTrue(rules.stream().anyMatch(r -> r.allow() && Long.valueOf(136).equals(r.major()) && r.minor() == null));
        assertTrue(rules.stream().skip(1).allMatch(DeviceRule::allow));
    }

    @Test
    void nofileIsCappedAtTheHostHardLimit() {
        assertEquals(List.of(new Process.Rlimit("RLIMIT_NOFILE", 20000, 20000)), SpecDefaults.secure(20000).process().rlimits());
        assertEquals(List.of(new Process.Rlimit("RLIMIT_NOFILE", 1048576, 1048576)), spec.process().rlimits());
        long host = SpecDefaults.hostNofileHardLimit();
        assertTrue(host > 0);
        long applied = SpecDefaults.secure().process().rlimits().get(0).hard();
        assertEquals(Math.min(1048576, host), applied);
    }

    @Test
    void defaultsSerialiseToTheOciNames() {
        String json = new String(OciJson.toBytes(spec));
        assertTrue(json.contains("\"noNewPrivileges\":true"));
        assertTrue(json.contains("\"maskedPaths\""));
        assertTrue(json.contains("{\"allow\":false,\"access\":\"rwm\"}"), json);
        assertEquals(spec, OciJson.read(OciJson.toBytes(spec), Spec.class));
    }
}
