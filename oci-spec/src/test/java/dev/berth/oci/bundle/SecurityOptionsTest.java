package dev.berth.oci.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.oci.BerthException;
import dev.berth.oci.spec.runtime.Linux;
import dev.berth.oci.spec.runtime.LinuxResources;
import dev.berth.oci.spec.runtime.Mount;
import dev.berth.oci.spec.runtime.Spec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecurityOptionsTest {

    private static SecurityOptions security(boolean privileged, List<String> add, List<String> drop,
                                            SecurityOptions.Seccomp seccomp, String localhost) {
        return new SecurityOptions(privileged, false, null, add, drop, null, null, null, seccomp, localhost,
                null, null, null, null);
    }

    private static Spec build(SecurityOptions s) {
        return SpecBuilder.secureDefaults(1 << 30).cmd(List.of("true")).security(s).build();
    }

    @Test
    void dropAllThenAddKeepsOnlyTheAddedCapability() {
        Spec spec = build(security(false, List.of("net_admin"), List.of("ALL"), null, null));
        assertEquals(List.of("CAP_NET_ADMIN"), spec.process().capabilities().bounding());
        assertEquals(List.of("CAP_NET_ADMIN"), spec.process().capabilities().effective());
    }

    @Test
    void dropOneKeepsTheOtherDefaults() {
        Spec spec = build(security(false, null, List.of("CAP_CHOWN"), null, null));
        List<String> caps = spec.process().capabilities().bounding();
        assertFalse(caps.contains("CAP_CHOWN"));
        assertTrue(caps.contains("CAP_KILL"));
    }

    @Test
    void everyCapabilityMeansEveryOneTheHostHas() {
        assertEquals(SecurityOptions.ALL_CAPABILITIES, SecurityOptions.grantable(-1L));
        assertEquals(List.of("CHOWN", "KILL"), SecurityOptions.grantable(0b100001L));
        // A host whose bounding set lacks CAP_SYS_RESOURCE (bit 24), as this project's test hosts do.
        List<String> withoutSysResource = SecurityOptions.grantable(0x1fffeffffffL);
        assertEquals(SecurityOptions.ALL_CAPABILITIES.size() - 1, withoutSysResource.size());
        assertFalse(withoutSysResource.contains("SYS_RESOURCE"));
        assertEquals("SYS_RESOURCE", SecurityOptions.ALL_CAPABILITIES.get(24), "the list is in bit order");
        assertEquals("CHECKPOINT_RESTORE", SecurityOptions.ALL_CAPABILITIES.get(40));
        assertTrue(SecurityOptions.hostBoundingSet() != 0, "this process has a bounding set");
    }

    @Test
    void unknownCapabilityIsRefused() {
        BerthException e = assertThrows(BerthException.class,
                () -> build(security(false, List.of("CAP_FLY"), null, null, null)));
        assertTrue(e.getMessage().contains("CAP_FLY"), e.getMessage());
    }

    @Test
    void privilegedGetsEveryCapabilityAndNoMaskedPathsOrSeccomp() {
        Spec spec = build(security(true, null, null, SecurityOptions.Seccomp.RUNTIME_DEFAULT, null));
        assertEquals(SecurityOptions.grantable(SecurityOptions.hostBoundingSet()).stream().map(c -> "CAP_" + c).toList(),
                spec.process().capabilities().bounding());
        assertNull(spec.linux().maskedPaths());
        assertNull(spec.linux().readonlyPaths());
        assertNull(spec.linux().seccomp());
        assertEquals(List.of(new LinuxResources.DeviceRule(true, "a", null, null, "rwm")),
                spec.linux().resources().devices());
        Mount sys = spec.mounts().stream().filter(m -> "sysfs".equals(m.type())).findFirst().orElseThrow();
        assertFalse(sys.options().contains("ro"));
    }

    @Test
    void runtimeDefaultSeccompIsAnAllowListWithoutMountOrModuleLoading() {
        JsonNode profile = build(security(false, null, null, SecurityOptions.Seccomp.RUNTIME_DEFAULT, null))
                .linux().seccomp();
        assertEquals("SCMP_ACT_ERRNO", profile.get("defaultAction").asText());
        List<String> allowed = new ArrayList<>();
        for (JsonNode rule : profile.get("syscalls")) {
            if (rule.get("action").asText().equals("SCMP_ACT_ALLOW") && !rule.has("args")) {
                rule.get("names").forEach(n -> allowed.add(n.asText()));
            }
        }
        assertTrue(allowed.containsAll(List.of("read", "write", "execve", "fork", "exit_group")));
        for (String denied : List.of("mount", "init_module", "finit_module", "kexec_load", "reboot", "unshare",
                "setns", "keyctl", "bpf", "clone", "clone3")) {
            assertFalse(allowed.contains(denied), denied);
        }
    }

    @Test
    void cloneIsAllowedWithoutNamespaceFlagsAndClone3FallsBackToIt() {
        JsonNode profile = SecurityOptions.runtimeDefaultProfile();
        JsonNode clone = null;
        JsonNode clone3 = null;
        for (JsonNode rule : profile.get("syscalls")) {
            if (rule.get("names").toString().equals("[\"clone\"]")) {
                clone = rule;
            } else if (rule.get("names").toString().equals("[\"clone3\"]")) {
                clone3 = rule;
            }
        }
        // CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET must all be clear (Docker's rule).
        assertEquals("SCMP_ACT_ALLOW", clone.get("action").asText());
        assertEquals(0x7E020000L, clone.at("/args/0/value").asLong());
        assertEquals(0L, clone.at("/args/0/valueTwo").asLong());
        assertEquals("SCMP_CMP_MASKED_EQ", clone.at("/args/0/op").asText());
        // clone3 passes its flags in memory, out of seccomp's sight: ENOSYS makes libc fall back to clone.
        assertEquals("SCMP_ACT_ERRNO", clone3.get("action").asText());
        assertEquals(38, clone3.get("errnoRet").asInt());
    }

    @Test
    void theSecureDefaultsHaveTheRuntimeDefaultProfileUntilUnconfinedIsAsked() {
        JsonNode runtimeDefault = SecurityOptions.runtimeDefaultProfile();
        assertEquals(runtimeDefault, SpecBuilder.secureDefaults(1 << 30).cmd(List.of("true")).build().linux().seccomp());
        assertEquals(runtimeDefault, build(security(false, List.of("NET_ADMIN"), null, null, null)).linux().seccomp(),
                "a security context without a seccomp choice keeps the default");
        assertNull(build(security(false, null, null, SecurityOptions.Seccomp.UNCONFINED, null)).linux().seccomp());
    }

    @Test
    void localhostSeccompReadsTheFileAndRefusesWhatIsNotAProfile(@TempDir Path dir) throws IOException {
        Path good = Files.writeString(dir.resolve("p.json"), "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}");
        assertEquals("SCMP_ACT_ALLOW", build(security(false, null, null, SecurityOptions.Seccomp.LOCALHOST,
                good.toString())).linux().seccomp().get("defaultAction").asText());
        Path bad = Files.writeString(dir.resolve("bad.json"), "[1]");
        assertThrows(BerthException.class, () -> build(security(false, null, null,
                SecurityOptions.Seccomp.LOCALHOST, bad.toString())));
        assertThrows(BerthException.class, () -> build(security(false, null, null,
                SecurityOptions.Seccomp.LOCALHOST, dir.resolve("missing.json").toString())));
        assertThrows(BerthException.class, () -> build(security(false, null, null,
                SecurityOptions.Seccomp.LOCALHOST, "relative.json")));
    }

    /** A rootfs where app (uid 1000, gid 1000) is listed in /etc/group's extra (50000) and other (60000). */
    private static Path rootfsWithGroups(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("etc"));
        Files.writeString(dir.resolve("etc/passwd"), "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
        Files.writeString(dir.resolve("etc/group"), "root:x:0:\napp:x:1000:\nextra:x:50000:app\nother:x:60000:root,app\n");
        return dir;
    }

    private static Spec runAsApp(Path rootfs, SecurityOptions.SupplementalGroupsPolicy policy) {
        return SpecBuilder.secureDefaults(1 << 30).cmd(List.of("true")).resolveUsersIn(rootfs)
                .security(new SecurityOptions(false, false, null, null, null, 1000L, null, List.of(70000L), null,
                        null, null, null, null, policy)).build();
    }

    @Test
    void mergeAddsTheImagesGroupsOfTheUserToTheAskedOnes(@TempDir Path tmp) throws IOException {
        Path rootfs = rootfsWithGroups(tmp);
        for (SecurityOptions.SupplementalGroupsPolicy merge : new SecurityOptions.SupplementalGroupsPolicy[] {
                null, SecurityOptions.SupplementalGroupsPolicy.MERGE}) {
            Spec spec = runAsApp(rootfs, merge);
            assertEquals(1000, spec.process().user().uid());
            assertEquals(1000, spec.process().user().gid());
            assertEquals(List.of(50000L, 60000L, 70000L), spec.process().user().additionalGids());
        }
    }

    @Test
    void strictGivesOnlyThePrimaryAndTheAskedGroups(@TempDir Path tmp) throws IOException {
        Spec spec = runAsApp(rootfsWithGroups(tmp), SecurityOptions.SupplementalGroupsPolicy.STRICT);
        assertEquals(1000, spec.process().user().uid());
        assertEquals(1000, spec.process().user().gid());
        assertEquals(List.of(70000L), spec.process().user().additionalGids());
    }

    @Test
    void runAsUserGroupAndSupplementalGroups() {
        Spec spec = build(new SecurityOptions(false, true, false, null, null, 1000L, 2000L, List.of(3000L), null,
                null, List.of("/proc/x"), List.of(), null, null));
        assertEquals(1000, spec.process().user().uid());
        assertEquals(2000, spec.process().user().gid());
        assertEquals(List.of(3000L), spec.process().user().additionalGids());
        assertFalse(spec.process().noNewPrivileges());
        assertTrue(spec.root().readonly());
        assertEquals(List.of("/proc/x"), spec.linux().maskedPaths());
        assertTrue(spec.linux().readonlyPaths() == null || spec.linux().readonlyPaths().isEmpty());
    }

    @Test
    void apparmorIsIgnoredForRuntimeDefaultAndRefusedForAProfileWhereTheHostHasNone() {
        SecurityOptions named = new SecurityOptions(false, false, null, null, null, null, null, null, null, null,
                null, null, "localhost/berth-test", null);
        if (!SecurityOptions.apparmorEnabled()) {
            assertThrows(BerthException.class, () -> build(named));
        }
        SecurityOptions def = new SecurityOptions(false, false, null, null, null, null, null, null, null, null,
                null, null, "runtime/default", null);
        assertNull(build(def).process().apparmorProfile());
    }

    @Test
    void namespacesJoinedSharedWithTheHostAndSysctls() {
        Spec spec = SpecBuilder.secureDefaults(1 << 30).cmd(List.of("true"))
                .joinNamespace("network", "/run/netns/p1").joinNamespace("ipc", "/proc/9/ns/ipc")
                .hostNamespace("pid").sysctls(Map.of("net.ipv4.ip_forward", "1")).build();
        List<Linux.Namespace> ns = spec.linux().namespaces();
        assertTrue(ns.contains(new Linux.Namespace("network", "/run/netns/p1")));
        assertTrue(ns.contains(new Linux.Namespace("ipc", "/proc/9/ns/ipc")));
        assertTrue(ns.contains(new Linux.Namespace("mount")));
        assertTrue(ns.stream().noneMatch(n -> n.type().equals("pid")));
        assertEquals(Map.of("net.ipv4.ip_forward", "1"), spec.linux().sysctl());
    }

    @Test
    void propagationSetsMountOptionsAndRootfsPropagation() {
        Spec spec = SpecBuilder.secureDefaults(1 << 30).cmd(List.of("true"))
                .bindMount("/tmp", "/a", false, SpecBuilder.Propagation.HOST_TO_CONTAINER).build();
        assertTrue(spec.mounts().stream().anyMatch(m -> m.destination().equals("/a") && m.options().contains("rslave")));
        assertEquals("rslave", spec.linux().rootfsPropagation());
        spec = SpecBuilder.secureDefaults(1 << 30).cmd(List.of("true"))
                .bindMount("/tmp", "/a", true, SpecBuilder.Propagation.BIDIRECTIONAL)
                .bindMount("/tmp", "/b", false, SpecBuilder.Propagation.HOST_TO_CONTAINER).build();
        assertEquals("rshared", spec.linux().rootfsPropagation());
    }

    @Test
    void deviceNodeFromTheHostGetsItsNumbersAndACgroupRule() {
        Spec spec = SpecBuilder.secureDefaults(1 << 30).cmd(List.of("true"))
                .device("/dev/null", "/dev/xnull", "rw").build();
        assertTrue(spec.linux().devices().contains(new Linux.Device("c", "/dev/xnull", 1L, 3L, 0666, 0L, 0L)));
        assertTrue(spec.linux().resources().devices().contains(new LinuxResources.DeviceRule(true, "c", 1L, 3L, "rw")));
        assertThrows(BerthException.class, () -> SpecBuilder.secureDefaults(1 << 30).device("/etc/passwd", "/dev/p", "r"));
        assertThrows(BerthException.class, () -> SpecBuilder.secureDefaults(1 << 30).device("/dev/null", "/dev/n", "rwx"));
    }

    @Test
    void cpuQuotaPeriodAndCpuset() {
        Spec spec = SpecBuilder.secureDefaults(1 << 30).cmd(List.of("true"))
                .cpuQuota(50_000L, 100_000L).cpuset("0", "0").build();
        LinuxResources.Cpu cpu = spec.linux().resources().cpu();
        assertEquals(50_000L, cpu.quota());
        assertEquals(100_000L, cpu.period());
        assertEquals("0", cpu.cpus());
        assertThrows(BerthException.class, () -> SpecBuilder.secureDefaults(1 << 30).cmd(List.of("true"))
                .cpuQuota(10L, 100_000L).build());
    }
}
