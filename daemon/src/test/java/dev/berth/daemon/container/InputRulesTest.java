package dev.berth.daemon.container;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.daemon.api.model.ContainerCreate;
import dev.berth.daemon.api.model.ContainerUpdate;
import dev.berth.daemon.api.model.ExecCreate;
import dev.berth.oci.BerthException;
import dev.berth.oci.bundle.SecurityOptions;
import dev.berth.oci.bundle.SpecBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputRulesTest {
    private static final String ID = "3f2a";

    private static ContainerCreate create(List<String> cmd, Long memory, Map<String, String> labels,
                                          ContainerCreate.LinuxOptions linux) {
        return create(cmd, memory, null, labels, linux);
    }

    private static ContainerCreate create(List<String> cmd, Long memory, Long blkioWeight, Map<String, String> labels,
                                          ContainerCreate.LinuxOptions linux) {
        return new ContainerCreate("web", "busybox", null, cmd, null, null, null, null, false, false, memory, null,
                null, blkioWeight, false, labels, null, null, null, null, null, linux, null, null, null);
    }

    private static ContainerCreate.LinuxOptions linux(Long shares, Long quota, Long period, Integer oomScoreAdj) {
        return new ContainerCreate.LinuxOptions(null, null, null, null, null, null, null, null, shares, quota,
                period, null, null, oomScoreAdj);
    }

    private static void checkRest(ContainerCreate r) {
        InputRules.checkCreate(r, RequestFields.REST_CREATE);
    }

    private static void checkRest(ContainerUpdate u) {
        InputRules.checkUpdate(ID, u, RequestFields.REST_UPDATE);
    }

    private static void checkCri(ContainerCreate r) {
        InputRules.checkCreate(r, RequestFields.CRI_CREATE);
    }

    private static void checkCri(ContainerUpdate u) {
        InputRules.checkUpdate(ID, u, RequestFields.CRI_UPDATE);
    }

    private static void refused(String field, Runnable check) {
        BerthException e = assertThrows(BerthException.class, check::run);
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(field), "names " + field + ": " + e.getMessage());
    }

    @Test
    void aPlainRequestPasses() {
        assertDoesNotThrow(() -> checkRest(create(List.of("sleep", "1"), 64L << 20,
                Map.of("app", "web"), linux(1024L, 50_000L, 100_000L, 500))));
        assertDoesNotThrow(() -> checkRest(create(null, InputRules.MAX_MEMORY, null,
                linux(null, -1L, null, -1000))));
        assertDoesNotThrow(() -> checkRest(new ContainerUpdate(null, 1.5, -1L)));
    }

    @Test
    void blkioWeightMustBeTenToAThousandOnCreateAndUpdate() {
        assertDoesNotThrow(() -> checkRest(create(null, null, 10L, null, null)));
        assertDoesNotThrow(() -> checkRest(blkioUpdate(1000L)));
        for (long bad : new long[] {9, 1001, 0, -1, Long.MAX_VALUE}) {
            refused("blkioWeight must be in 10..1000, not " + bad,
                    () -> checkRest(create(null, null, bad, null, null)));
            refused("blkioWeight must be in 10..1000, not " + bad, () -> checkRest(blkioUpdate(bad)));
        }
    }

    private static ContainerUpdate blkioUpdate(long weight) {
        return new ContainerUpdate(null, null, null, null, null, null, null, null, weight);
    }

    @Test
    void resourcesOutsideWhatTheKernelTakesAreRefused() {
        refused("create container: memory " + Long.MAX_VALUE + " is outside",
                () -> checkRest(create(null, Long.MAX_VALUE, null, null)));
        refused("memory limit", () -> checkRest(create(null, -1L, null, null)));
        refused("linux.cpuShares: resources: cpu shares",
                () -> checkRest(create(null, null, null, linux(1L << 40, null, null, null))));
        refused("linux.cpuQuota: resources: cpu quota",
                () -> checkRest(create(null, null, null, linux(null, -5L, null, null))));
        refused("linux.cpuQuota", () -> checkRest(create(null, null, null, linux(null, Long.MAX_VALUE, null, null))));
        refused("linux.cpuPeriod", () -> checkRest(create(null, null, null, linux(null, null, 5L, null))));
        refused("linux.oomScoreAdj must be in -1000..1000, not 1001",
                () -> checkRest(create(null, null, null, linux(null, null, null, 1001))));
        refused("linux.oomScoreAdj", () -> checkRest(create(null, null, null,
                linux(null, null, null, Integer.MIN_VALUE))));
        refused("update container " + ID + ": cpuQuota: resources: cpu quota",
                () -> checkRest(new ContainerUpdate(null, null, null, null, -2L, null, null, null, null)));
        refused("cpus must be a positive number", () -> checkRest(new ContainerUpdate(null, Double.NaN, null)));
    }

    @Test
    void theCriPathNamesTheCriFieldsAndTheRestPathTheRestOnes() {
        Map<ContainerCreate, List<String>> creates = new java.util.LinkedHashMap<>();
        ContainerCreate nulCommand = new ContainerCreate("web", "busybox", List.of("a\0b"), null, null, null, null,
                null, false, false, null, null, null, null, false, null, null, null, null, null, null, null, null, null, null);
        creates.put(nulCommand, List.of("CreateContainer: config.command 'a\\x00b' contains a NUL",
                "create container: entrypoint 'a\\x00b' contains a NUL"));
        creates.put(create(List.of("a\0b"), null, null, null), List.of("CreateContainer: config.args ",
                "create container: cmd "));
        creates.put(create(null, -1L, null, null), List.of(
                "CreateContainer: config.linux.resources.memory_limit_in_bytes -1 is outside",
                "create container: memory -1"));
        creates.put(create(null, null, null, linux(null, -5L, null, null)), List.of(
                "config.linux.resources.cpu_quota: resources: cpu quota", "linux.cpuQuota: resources: cpu quota"));
        creates.put(create(null, null, null, linux(null, null, null, 1001)), List.of(
                "config.linux.resources.oom_score_adj must be in", "linux.oomScoreAdj must be in"));
        creates.put(create(null, null, Map.of("", "v"), null), List.of("config.labels: a key is empty",
                "create container: labels: a key is empty"));
        for (Map.Entry<ContainerCreate, List<String>> c : creates.entrySet()) {
            refused(c.getValue().get(0), () -> checkCri(c.getKey()));
            refused(c.getValue().get(1), () -> checkRest(c.getKey()));
        }
        refused("UpdateContainerResources " + ID + ": linux.memory_limit_in_bytes -1 is outside",
                () -> checkCri(new ContainerUpdate(-1L, null, null)));
        refused("update container " + ID + ": memory -1 is outside",
                () -> checkRest(new ContainerUpdate(-1L, null, null)));
        ContainerUpdate badShares = new ContainerUpdate(null, null, null, 1L << 40, null, null, null, null, null);
        refused("UpdateContainerResources " + ID + ": linux.cpu_shares: resources: cpu shares",
                () -> checkCri(badShares));
        refused("update container " + ID + ": cpuShares: resources: cpu shares", () -> checkRest(badShares));
    }

    @Test
    void aRecursivelyReadOnlyMountMustBeReadOnlyAndPrivate() {
        java.util.function.Function<ContainerCreate.Mount, ContainerCreate> with = m -> create(null, null, null,
                new ContainerCreate.LinuxOptions(null, null, null, null, null, List.of(m), null, null, null, null,
                        null, null, null, null));
        assertDoesNotThrow(() -> checkCri(with.apply(new ContainerCreate.Mount("/srv", "/v", true,
                SpecBuilder.Propagation.PRIVATE, null, true))));
        refused("CreateContainer: config.mounts.recursive_read_only of /v needs a read-only mount",
                () -> checkCri(with.apply(new ContainerCreate.Mount("/srv", "/v", false,
                        SpecBuilder.Propagation.PRIVATE, null, true))));
        refused("create container: linux.mounts.recursiveReadOnly of /v needs a read-only mount with private",
                () -> checkRest(with.apply(new ContainerCreate.Mount("/srv", "/v", true,
                        SpecBuilder.Propagation.HOST_TO_CONTAINER, null, true))));
    }

    @Test
    void nulAndNullAndHugeMapsAreRefused() {
        refused("cmd", () -> checkRest(create(List.of("a\0b"), null, null, null)));
        refused("cmd", () -> checkRest(create(java.util.Arrays.asList("a", null), null, null, null)));
        refused("labels", () -> checkRest(create(null, null, Map.of("k", "v\0"), null)));
        refused("labels", () -> checkRest(create(null, null, Map.of("", "v"), null)));
    }

    @Test
    void mapsAreCappedAtTheSizeOfAPodObjectAndTheCapItselfPasses() {
        // Kubernetes' annotation limit (256 KiB) with kubelet's additions, and a pod's labels, pass well within.
        Map<String, String> podSized = Map.of("k", "v".repeat(256 * 1024 - 1),
                "io.kubernetes.container.ports",
                "[" + "{\"containerPort\":8080,\"protocol\":\"TCP\"},".repeat(1000) + "]");
        assertDoesNotThrow(() -> checkCri(create(null, null, null, podSized, null)));
        Map<String, String> atCap = mapOf(InputRules.MAX_MAP_BYTES);
        assertDoesNotThrow(() -> checkRest(create(null, null, atCap, null)));
        refused("labels: ", () -> checkRest(create(null, null, mapOf(InputRules.MAX_MAP_BYTES + 1), null)));
        refused("config.labels: ", () -> checkCri(create(null, null, mapOf(InputRules.MAX_MAP_BYTES + 1), null)));
    }

    /** Labels of exactly {@code chars} characters of keys and values, the longest Kubernetes keys among them. */
    private static Map<String, String> mapOf(int chars) {
        Map<String, String> map = new HashMap<>();
        int left = chars;
        for (int i = 0; left > 317 + 63 + 317; i++) {
            String key = String.format("%0253d", i) + "/" + "n".repeat(63);
            map.put(key, "v".repeat(63));
            left -= key.length() + 63;
        }
        map.put("last", "v".repeat(left - "last".length()));
        assertEquals(chars, map.entrySet().stream().mapToInt(e -> e.getKey().length() + e.getValue().length()).sum());
        return map;
    }

    @Test
    void namesHoldKubeletsLongestAndTheDerivedCap() {
        String pod = "p".repeat(253);
        String namespace = "n".repeat(63);
        String uid = "6f1c3b9e-2a4d-4c8f-9e1b-0d2c3a4b5c6d";
        String container = "c".repeat(63);
        String kubelets = "k8s_" + container + "_" + pod + "_" + namespace + "_" + uid + "_4294967295";
        assertEquals(433, kubelets.length());
        assertTrue(InputRules.isName(kubelets));
        assertTrue(InputRules.isName("k8s_POD_" + pod + "_" + namespace + "_" + uid + "_0"));
        String longest = "k8s_" + (pod + "_").repeat(4) + "4294967295";
        assertEquals(InputRules.MAX_NAME_CHARS, longest.length());
        assertEquals(1030, InputRules.MAX_NAME_CHARS);
        assertTrue(InputRules.isName(longest));
        assertFalse(InputRules.isName(longest + "0"));
        for (String bad : List.of("", "-leading", "has/slash", "a\0b", "ü")) {
            assertFalse(InputRules.isName(bad), bad);
        }
    }

    @Test
    void metadataStringsTakeAKubernetesNameOf253() {
        assertDoesNotThrow(() -> InputRules.checkMetadata("metadata.name", "p".repeat(253)));
        refused("metadata.name 'ppp", () -> InputRules.checkMetadata("metadata.name", "p".repeat(254)));
        refused("metadata.uid is required", () -> InputRules.checkMetadata("metadata.uid", ""));
    }

    @Test
    void hostnamesTakeTheKernels64Bytes() {
        assertDoesNotThrow(() -> InputRules.checkHostname("hostname", "h".repeat(64)));
        refused("hostname 'hhh", () -> InputRules.checkHostname("hostname", "h".repeat(65)));
        refused("hostname", () -> InputRules.checkHostname("hostname", "ü".repeat(33)));
        ContainerCreate.LinuxOptions longHostname = new ContainerCreate.LinuxOptions(null, null, "h".repeat(65),
                null, null, null, null, null, null, null, null, null, null, null);
        refused("create container: linux.hostname 'hhh", () -> checkRest(create(null, null, null, longHostname)));
    }

    @Test
    void pathsTakePathMaxAndNameMax() {
        String atMax = ("/" + "d".repeat(254)).repeat(16) + "/" + "f".repeat(4095 - 16 * 255 - 1);
        assertEquals(4095, atMax.length());
        assertDoesNotThrow(() -> InputRules.checkPath("log_path", atMax));
        refused("log_path '/ddd", () -> InputRules.checkPath("log_path", atMax + "f"));
        assertDoesNotThrow(() -> InputRules.checkPath("log_path", "/var/log/pods/" + "x".repeat(255) + "/c/0.log"));
        refused("NAME_MAX", () -> InputRules.checkPath("log_path", "/var/log/pods/" + "x".repeat(256) + "/c/0.log"));
        ContainerCreate longLog = new ContainerCreate("web", "busybox", null, null, null, null, null, null, false,
                false, null, null, null, null, false, null, null, null, null, null, "/" + "x".repeat(256), null, null, null, null);
        refused("CreateContainer: config.log_path: the path component 'xxx", () -> checkCri(longLog));
    }

    @Test
    void aRunAsGroupNeedsARunAsUserOrName() {
        SecurityOptions groupOnly = security(null, 3000L);
        refused("CreateContainer: config.linux.security_context.run_as_group needs "
                + "config.linux.security_context.run_as_user or config.linux.security_context.run_as_username",
                () -> checkCri(withSecurity(groupOnly, null)));
        refused("create container: linux.security.runAsGroup needs linux.security.runAsUser or user",
                () -> checkRest(withSecurity(groupOnly, null)));
        assertDoesNotThrow(() -> checkCri(withSecurity(security(1000L, 3000L), null)));
        assertDoesNotThrow(() -> checkCri(withSecurity(groupOnly, "nobody")));
        assertDoesNotThrow(() -> checkCri(withSecurity(security(1000L, null), null)));
        assertTrue(InputRules.groupWithoutUser(groupOnly, ""));
        assertFalse(InputRules.groupWithoutUser(null, null));
    }

    private static SecurityOptions security(Long user, Long group) {
        return new SecurityOptions(false, false, null, null, null, user, group, null, null, null, null, null, null, null);
    }

    private static ContainerCreate withSecurity(SecurityOptions security, String user) {
        ContainerCreate.LinuxOptions linux = new ContainerCreate.LinuxOptions(null, null, null, null, security, null,
                null, null, null, null, null, null, null, null);
        return new ContainerCreate("web", "busybox", null, null, null, null, null, user, false, false, null, null,
                null, null, false, null, null, null, null, null, null, linux, null, null, null);
    }

    @Test
    void idPrefixesAreLowerCaseHexAndAnythingElseNamesNothing() {
        assertTrue(InputRules.isIdPrefix("3f2a"));
        assertTrue(InputRules.isIdPrefix("a".repeat(64)));
        for (String bad : java.util.Arrays.asList("", null, "../x", "ABC", "3f2a\0", "a".repeat(65), "x".repeat(300),
                "ü", "6f1c3b9e-2a4d-4c8f-9e1b-0d2c3a4b5c6d")) {
            assertFalse(InputRules.isIdPrefix(bad), String.valueOf(bad));
        }
    }

    @Test
    void clientStringsAreShownEscapedAndCut() {
        assertEquals("'a\\x00b'", InputRules.shown("a\0b"));
        String shown = InputRules.shown("x".repeat(10_000));
        assertTrue(shown.startsWith("'" + "x".repeat(64) + "'... (10000 characters)"), shown);
        assertEquals("ok", InputRules.clientMessage("ok"));
        String cut = InputRules.clientMessage("m".repeat(5_000));
        assertTrue(cut.length() < 1_100 && cut.endsWith("(5000 characters)"), cut);
    }

    private static ContainerCreate withEnv(List<String> env) {
        return new ContainerCreate("web", "busybox", null, null, env, null, null, null, false, false, null, null,
                null, null, false, null, null, null, null, null, null, null, null, null, null);
    }

    private static ContainerCreate withSeccomp(String profile) {
        SecurityOptions security = new SecurityOptions(false, false, null, null, null, null, null, null,
                SecurityOptions.Seccomp.LOCALHOST, profile, null, null, null, null);
        return create(null, null, null, new ContainerCreate.LinuxOptions(null, null, null, null, security, null,
                null, null, null, null, null, null, null, null));
    }

    private static ExecCreate exec(List<String> env, String workingDir, ExecCreate.ConsoleSize size) {
        return new ExecCreate(List.of("true"), size != null, false, env, workingDir, null, size);
    }

    @Test
    void envEntriesAreNameEqualsValue() {
        assertDoesNotThrow(() -> checkRest(withEnv(List.of("A=b", "EMPTY=", "WITH=an=equals"))));
        refused("create container: env entry 'C' has no '='", () -> checkRest(withEnv(List.of("C"))));
        refused("CreateContainer: config.envs entry '=v'", () -> checkCri(withEnv(List.of("=v"))));
        refused("env entry 'A B=c'", () -> checkRest(withEnv(List.of("A B=c"))));
    }

    @Test
    void execRequestsAreCheckedBeforeTheShim() {
        assertDoesNotThrow(() -> InputRules.checkExec(ID, exec(List.of("A=b"), "/tmp",
                new ExecCreate.ConsoleSize(24, 80)), RequestFields.EXEC));
        refused("exec in container " + ID + ": consoleSize must be 0..65535",
                () -> InputRules.checkExec(ID, exec(null, null, new ExecCreate.ConsoleSize(-5, 80)), RequestFields.EXEC));
        refused("consoleSize", () -> InputRules.checkExec(ID, exec(null, null, new ExecCreate.ConsoleSize(24, 70_000)),
                RequestFields.EXEC));
        refused("exec in container " + ID + ": env entry 'C' has no '='",
                () -> InputRules.checkExec(ID, exec(List.of("C"), null, null), RequestFields.EXEC));
        refused("workingDir 'tmp' is not an absolute path",
                () -> InputRules.checkExec(ID, exec(null, "tmp", null), RequestFields.EXEC));
        refused("exec in container " + ID + ": cmd is required", () -> InputRules.checkExec(ID,
                new ExecCreate(List.of(), false, false, null, null, null, null), RequestFields.EXEC));
    }

    @Test
    void logsTailIsACountOrAll() {
        assertEquals(null, InputRules.logsTail(ID, null, RequestFields.REST_LOGS));
        assertEquals(null, InputRules.logsTail(ID, "all", RequestFields.REST_LOGS));
        assertEquals(0, InputRules.logsTail(ID, "0", RequestFields.REST_LOGS));
        assertEquals(5, InputRules.logsTail(ID, "5", RequestFields.REST_LOGS));
        refused("logs of container " + ID + ": tail must be a count",
                () -> InputRules.logsTail(ID, "-5", RequestFields.REST_LOGS));
        refused("tail must be", () -> InputRules.logsTail(ID, "many", RequestFields.REST_LOGS));
    }

    @Test
    void aLocalhostSeccompProfileMustBeAProfileAndIsNeverShown(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("secret");
        Files.writeString(secret, "root:$6$saltsalt$hash:19000:0:99999:7:::\n");
        Path notAProfile = dir.resolve("array.json");
        Files.writeString(notAProfile, "[\"SCMP_ACT_ALLOW\"]");
        Path profile = dir.resolve("profile.json");
        Files.writeString(profile, "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": []}");
        assertDoesNotThrow(() -> checkRest(withSeccomp(profile.toString())));
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put(secret.toString(), "not JSON");
        cases.put(notAProfile.toString(), "not a JSON object with a defaultAction");
        cases.put(dir.toString(), "not a regular file");
        cases.put("/dev/zero", "not a regular file");
        cases.put(dir.resolve("missing.json").toString(), "no such file");
        cases.put("relative.json", "a Localhost profile needs an absolute path");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            BerthException e = assertThrows(BerthException.class, () -> checkRest(withSeccomp(c.getKey())));
            assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind(), e.getMessage());
            assertTrue(e.getMessage().startsWith("create container: linux.security.seccompLocalhost '" + c.getKey()
                    + "' is not a valid seccomp profile: " + c.getValue()), e.getMessage());
            for (String leak : List.of("saltsalt", "root:", "Unrecognized token", "com.fasterxml", "Exception")) {
                assertFalse(e.getMessage().contains(leak), "shows " + leak + ": " + e.getMessage());
            }
        }
        refused("CreateContainer: config.linux.security_context.seccomp.localhost_ref",
                () -> checkCri(withSeccomp(secret.toString())));
        Path huge = dir.resolve("huge.json");
        Files.writeString(huge, "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"x\": \"" + "y".repeat(2 << 20) + "\"}");
        refused("larger than", () -> checkRest(withSeccomp(huge.toString())));
    }
}
