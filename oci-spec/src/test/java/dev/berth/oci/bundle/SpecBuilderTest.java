package dev.berth.oci.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.oci.BerthException;
import dev.berth.oci.spec.image.ImageConfig;
import dev.berth.oci.spec.runtime.Linux;
import dev.berth.oci.spec.runtime.LinuxResources;
import dev.berth.oci.spec.runtime.Mount;
import dev.berth.oci.spec.runtime.Process;
import dev.berth.oci.spec.runtime.Spec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SpecBuilderTest {

    private static ImageConfig.Config image(List<String> entrypoint, List<String> cmd, List<String> env,
                                            String workingDir, String user) {
        return new ImageConfig.Config(user, null, env, entrypoint, cmd, null, workingDir, null, null);
    }

    private static SpecBuilder builder() {
        return SpecBuilder.secureDefaults(1 << 30);
    }

    private static List<String> list(String s) {
        return s == null ? null : s.isEmpty() ? List.of() : Arrays.asList(s.split(" "));
    }

    /** image entrypoint, image cmd, user entrypoint, user cmd → argv; "" is an empty list, null unset. */
    static Stream<Arguments> commandMatrix() {
        return Stream.of(
                Arguments.of("/ep", "a b", null, null, "/ep a b"),
                Arguments.of("/ep", "a b", null, "x y", "/ep x y"),
                Arguments.of("/ep", "a b", "/u", null, "/u"),
                Arguments.of("/ep", "a b", "/u", "x", "/u x"),
                Arguments.of("/ep", "a b", "", null, "a b"),
                Arguments.of("/ep", "a b", "", "x", "x"),
                Arguments.of(null, "sh", null, null, "sh"),
                Arguments.of(null, "sh", null, "ls -l", "ls -l"),
                Arguments.of(null, "sh", "/u", null, "/u"),
                Arguments.of("/ep", null, null, null, "/ep"),
                Arguments.of("/ep", null, null, "x", "/ep x"),
                Arguments.of(null, null, null, "x", "x"),
                Arguments.of("/ep", "a", null, "", "/ep a"));
    }

    @ParameterizedTest(name = "[{index}] image {0} / {1}, user {2} / {3} -> {4}")
    @MethodSource("commandMatrix")
    void entrypointAndCmdFollowDocker(String imageEp, String imageCmd, String userEp, String userCmd, String expected) {
        Spec spec = builder()
                .imageConfig(image(list(imageEp), list(imageCmd), null, null, null))
                .entrypoint(list(userEp))
                .cmd(list(userCmd))
                .build();
        assertEquals(list(expected), spec.process().args());
    }

    @Test
    void emptyStringEntrypointClearsTheImageEntrypointAsDockerCliSends() {
        Spec spec = builder().imageConfig(image(List.of("/ep"), List.of("c"), null, null, null))
                .entrypoint(List.of("")).build();
        assertEquals(List.of("c"), spec.process().args());
    }

    @Test
    void argsBypassMerging() {
        Spec spec = builder().imageConfig(image(List.of("/ep"), List.of("c"), null, null, null))
                .args(List.of("/bin/true")).build();
        assertEquals(List.of("/bin/true"), spec.process().args());
    }

    @Test
    void noCommandIsInvalid() {
        BerthException e = assertThrows(BerthException.class,
                () -> builder().imageConfig(image(null, null, null, null, null)).build());
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains("no command"));
    }

    @Test
    void userEnvOverridesImageEnvByKeyInPlace() {
        Spec spec = builder()
                .imageConfig(image(null, List.of("sh"), List.of("PATH=/image/bin", "A=1", "B=2"), null, null))
                .env(List.of("B=user", "C=3"))
                .env("A", "x=y")
                .build();
        assertEquals(List.of("PATH=/image/bin", "A=x=y", "B=user", "C=3"), spec.process().env());
    }

    @Test
    void defaultPathWhenNoneGiven() {
        Spec spec = SpecBuilder.from(new Spec("1.0.2", null, null, null, null, null, null, null))
                .imageConfig(image(null, List.of("sh"), List.of("A=1"), null, null)).build();
        assertEquals(List.of("A=1", SpecDefaults.DEFAULT_PATH), spec.process().env());
        assertEquals("/", spec.process().cwd());
        assertEquals("rootfs", spec.root().path());
    }

    @Test
    void ttySetsTerminalAndTerm() {
        Spec on = builder().args(List.of("sh")).tty(true).build();
        assertTrue(on.process().terminal());
        assertTrue(on.process().env().contains("TERM=xterm"));
        Spec userTerm = builder().args(List.of("sh")).tty(true).env(List.of("TERM=vt100")).build();
        assertTrue(userTerm.process().env().contains("TERM=vt100"));
        assertFalse(userTerm.process().env().contains("TERM=xterm"));
        Spec off = builder().args(List.of("sh")).build();
        assertFalse(off.process().terminal());
        assertTrue(off.process().env().stream().noneMatch(e -> e.startsWith("TERM=")));
    }

    @Test
    void workingDirPrecedence() {
        assertEquals("/", builder().args(List.of("sh")).build().process().cwd());
        assertEquals("/app", builder().imageConfig(image(null, List.of("sh"), null, "/app", null)).build().process().cwd());
        assertEquals("/rel", builder().imageConfig(image(null, List.of("sh"), null, "rel", null)).build().process().cwd());
        assertEquals("/data", builder().imageConfig(image(null, List.of("sh"), null, "/app", null))
                .workingDir("/data").build().process().cwd());
        assertThrows(BerthException.class, () -> builder().args(List.of("sh")).workingDir("data").build());
    }

    @Test
    void usersResolveThroughTheRootfsWithUserOverridingImage(@TempDir Path rootfs) throws IOException {
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0::/root:/bin/sh\nweb:x:33:34::/var/www:/bin/sh\nimg:x:50:51::/:/bin/sh\n");
        Files.writeString(rootfs.resolve("etc/group"), "www:x:34:\nextra:x:100:web\n");
        ImageConfig.Config cfg = image(null, List.of("sh"), null, null, "img");
        assertEquals(new Process.User(50, 51),
                builder().imageConfig(cfg).resolveUsersIn(rootfs).build().process().user());
        assertEquals(new Process.User(33, 34, null, List.of(100L)),
                builder().imageConfig(cfg).resolveUsersIn(rootfs).user("web").build().process().user());
        assertEquals(new Process.User(1000, 1000),
                builder().imageConfig(cfg).resolveUsersIn(rootfs).user("1000:1000").build().process().user());
        assertEquals(new Process.User(0, 0), builder().args(List.of("sh")).build().process().user());
        assertThrows(BerthException.class, () -> builder().args(List.of("sh")).user("web").build(),
                "a name without a rootfs cannot resolve");
    }

    @Test
    void bindMountsAreRecursivePrivateAndReplaceDefaultsAtTheSameDestination() {
        Spec spec = builder().args(List.of("sh"))
                .bindMount("/srv", "/data", true)
                .bindMount("/host/shm", "/dev/shm/", false)
                .build();
        Mount data = spec.mounts().stream().filter(m -> m.destination().equals("/data")).findFirst().orElseThrow();
        assertEquals(new Mount("/data", "bind", "/srv", List.of("rbind", "rprivate", "ro")), data);
        List<Mount> shm = spec.mounts().stream().filter(m -> m.destination().startsWith("/dev/shm")).toList();
        assertEquals(1, shm.size());
        assertEquals(List.of("rbind", "rprivate"), shm.get(0).options());
        assertTrue(spec.mounts().stream().anyMatch(m -> m.destination().equals("/proc")));
        assertThrows(BerthException.class, () -> builder().bindMount("rel", "/x", false));
        assertThrows(BerthException.class, () -> builder().bindMount("/x", "/", false));
        assertThrows(BerthException.class, () -> builder().bindMount("/x", "y", false));
    }

    @Test
    void aRecursivelyReadOnlyBindAddsRroAndNeedsPrivatePropagation() {
        Spec spec = builder().args(List.of("sh"))
                .bindMount("/", "/host", SpecBuilder.Access.RECURSIVE_READ_ONLY, SpecBuilder.Propagation.PRIVATE)
                .build();
        Mount host = spec.mounts().stream().filter(m -> m.destination().equals("/host")).findFirst().orElseThrow();
        assertEquals(List.of("rbind", "rprivate", "ro", "rro"), host.options());
        assertThrows(BerthException.class, () -> builder().bindMount("/", "/host",
                SpecBuilder.Access.RECURSIVE_READ_ONLY, SpecBuilder.Propagation.HOST_TO_CONTAINER));
    }

    @Test
    void hostNetworkDropsOnlyTheNetworkNamespace() {
        List<String> own = builder().args(List.of("sh")).build().linux().namespaces().stream().map(Linux.Namespace::type).toList();
        assertTrue(own.contains("network"));
        List<String> host = builder().args(List.of("sh")).hostNetwork(true).build()
                .linux().namespaces().stream().map(Linux.Namespace::type).toList();
        assertEquals(List.of("pid", "ipc", "uts", "mount"), host);
    }

    @Test
    void resourcesHostnameCgroupsPathAnnotationsAndRoot() {
        Spec spec = builder().args(List.of("sh"))
                .memory(268435456L).cpus(1.5).cpuShares(512L).pidsLimit(100L)
                .hostname("web").cgroupsPath("/berth/abc")
                .annotations(Map.of("a", "1")).annotation("b", "2")
                .rootPath("/var/lib/berth/x/rootfs").readonlyRootfs(true)
                .build();
        LinuxResources r = spec.linux().resources();
        assertEquals(268435456L, r.memory().limit());
        assertNull(r.memory().swap());
        assertEquals(150000L, r.cpu().quota());
        assertEquals(100000L, r.cpu().period());
        assertEquals(512L, r.cpu().shares());
        assertEquals(100L, r.pids().limit());
        assertFalse(r.devices().get(0).allow(), "device rules of the defaults are kept");
        assertEquals("web", spec.hostname());
        assertTrue(spec.process().env().contains("HOSTNAME=web"));
        assertEquals("/berth/abc", spec.linux().cgroupsPath());
        assertEquals(Map.of("a", "1", "b", "2"), spec.annotations());
        assertEquals("/var/lib/berth/x/rootfs", spec.root().path());
        assertTrue(spec.root().readonly());
    }

    @Test
    void blkioWeightIsLinuxResourcesBlockIOWeightAndSurvivesRebuilding() {
        Spec spec = builder().args(List.of("sh")).blkioWeight(300L).build();
        assertEquals(300, spec.linux().resources().blockIO().weight());
        String json = new String(dev.berth.oci.json.OciJson.toBytes(spec), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(json.contains("\"blockIO\":{\"weight\":300}"), json);
        Spec rebuilt = SpecBuilder.from(spec).args(List.of("sh")).pidsLimit(5L).build();
        assertEquals(300, rebuilt.linux().resources().blockIO().weight(), "a later update without a weight keeps it");
        assertNull(builder().args(List.of("sh")).build().linux().resources().blockIO());
    }

    @Test
    void fractionalCpusRoundToMicroseconds() {
        assertEquals(33333L, builder().args(List.of("sh")).cpus(0.33333).build().linux().resources().cpu().quota());
        assertEquals(200000L, LinuxResources.Cpu.ofCpus(2).quota());
    }

    @Test
    void invalidResourcesAreRejected() {
        for (SpecBuilder b : List.of(builder().memory(1024L), builder().cpus(0.0), builder().cpus(-1.0),
                builder().cpus(Double.NaN), builder().pidsLimit(0L), builder().cpuShares(1L),
                builder().memory(100L << 20).memorySwap(50L << 20))) {
            BerthException e = assertThrows(BerthException.class, () -> b.args(List.of("sh")).build());
            assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind());
        }
        assertEquals(-1L, builder().args(List.of("sh")).pidsLimit(-1L).build().linux().resources().pids().limit());
    }

    @Test
    void theDefaultSpecIsNotModified() {
        Spec base = SpecDefaults.secure(1 << 30);
        Spec built = SpecBuilder.from(base).args(List.of("sh")).hostNetwork(true).memory(64L << 20).build();
        assertEquals(SpecDefaults.secure(1 << 30), base);
        assertEquals(5, base.linux().namespaces().size());
        assertEquals(4, built.linux().namespaces().size());
    }

    @Test
    void sysctlsFollowRuncsNamespaceRulesAndMustExist() {
        assertEquals("1", runnable().sysctls(Map.of("kernel.shm_rmid_forced", "1")).build().linux().sysctl()
                .get("kernel.shm_rmid_forced"));
        assertEquals("1", runnable().sysctls(Map.of("net.ipv4.conf.eth0.forwarding", "1")).build().linux().sysctl()
                .get("net.ipv4.conf.eth0.forwarding"), "an interface's sysctl, checked through its default");
        assertEquals("80", runnable().sysctls(Map.of("net/ipv4/ip_unprivileged_port_start", "80")).build().linux()
                .sysctl().get("net/ipv4/ip_unprivileged_port_start"), "slashes as kubelet may send them");
        refusedSysctl(runnable(), "kernel.panic", "would change the host");
        refusedSysctl(runnable(), "kernel.hostname", "conflicts with the hostname field");
        refusedSysctl(runnable(), "net.ipv4.no_such_sysctl", "this kernel has no such sysctl");
        refusedSysctl(runnable(), "net.ipv4.../../x", "not a sysctl name");
        refusedSysctl(runnable().hostNetwork(true), "net.ipv4.ip_forward", "host's network namespace");
        refusedSysctl(runnable().hostNamespace("ipc"), "fs.mqueue.msg_max", "host's IPC namespace");
        BerthException e = assertThrows(BerthException.class,
                () -> runnable().sysctls(Map.of("kernel.shmmax", "1\nkernel.panic=1")).build());
        assertTrue(e.getMessage().contains("one line"), e.getMessage());
    }

    private static SpecBuilder runnable() {
        return builder().cmd(List.of("true"));
    }

    private static void refusedSysctl(SpecBuilder b, String name, String why) {
        BerthException e = assertThrows(BerthException.class, () -> b.sysctls(Map.of(name, "1")).build(), name);
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind(), name);
        assertTrue(e.getMessage().contains("sysctl " + name) && e.getMessage().contains(why), e.getMessage());
    }

    @Test
    void initRunsTheCommandUnderItAndIsBoundReadOnly() {
        Spec spec = SpecBuilder.secureDefaults(1 << 30).cmd(List.of("sleep", "1")).init("/usr/bin/tini-static").build();
        assertEquals(List.of(SpecBuilder.INIT_PATH, "--", "sleep", "1"), spec.process().args());
        Mount init = spec.mounts().stream().filter(m -> m.destination().equals(SpecBuilder.INIT_PATH)).findFirst()
                .orElseThrow();
        assertEquals("/usr/bin/tini-static", init.source());
        assertTrue(init.options().contains("ro"), init.options().toString());
    }
}
