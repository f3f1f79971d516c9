package dev.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.cli.HttpResponse;
import dev.berth.cli.UnixHttpClient;
import dev.berth.cri.v1.ContainerConfig;
import dev.berth.cri.v1.ContainerMetadata;
import dev.berth.cri.v1.ContainerStatsRequest;
import dev.berth.cri.v1.ContainerStatusRequest;
import dev.berth.cri.v1.CreateContainerRequest;
import dev.berth.cri.v1.ExecSyncRequest;
import dev.berth.cri.v1.ImageServiceGrpc;
import dev.berth.cri.v1.ImageSpec;
import dev.berth.cri.v1.ImageStatusRequest;
import dev.berth.cri.v1.Int64Value;
import dev.berth.cri.v1.KeyValue;
import dev.berth.cri.v1.LinuxContainerConfig;
import dev.berth.cri.v1.LinuxContainerResources;
import dev.berth.cri.v1.LinuxContainerSecurityContext;
import dev.berth.cri.v1.LinuxPodSandboxConfig;
import dev.berth.cri.v1.LinuxSandboxSecurityContext;
import dev.berth.cri.v1.ListContainersRequest;
import dev.berth.cri.v1.ListPodSandboxRequest;
import dev.berth.cri.v1.NamespaceMode;
import dev.berth.cri.v1.NamespaceOption;
import dev.berth.cri.v1.PodSandboxConfig;
import dev.berth.cri.v1.PodSandboxMetadata;
import dev.berth.cri.v1.PodSandboxStatusRequest;
import dev.berth.cri.v1.PullImageRequest;
import dev.berth.cri.v1.RemoveContainerRequest;
import dev.berth.cri.v1.RemoveImageRequest;
import dev.berth.cri.v1.RemovePodSandboxRequest;
import dev.berth.cri.v1.RunPodSandboxRequest;
import dev.berth.cri.v1.RuntimeServiceGrpc;
import dev.berth.cri.v1.SecurityProfile;
import dev.berth.cri.v1.StartContainerRequest;
import dev.berth.cri.v1.StopContainerRequest;
import dev.berth.cri.v1.StopPodSandboxRequest;
import dev.berth.cri.v1.UpdateContainerResourcesRequest;
import dev.berth.daemon.container.InputRules;
import dev.berth.it.support.BerthHarness;
import dev.berth.it.support.CriChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Hostile input at both API edges of a real berthd: invalid names and ids, huge strings and maps, negative and
 * overflowing resources, missing fields. Each must be refused with INVALID_ARGUMENT (REST: 400) and a message
 * naming the field, with no Java class or stack trace in it, and must leave berthd's containers, pods,
 * directories, cgroups and shims exactly as they were.
 */
class HostileInputIT {
    private static final String IMAGE = "localhost/busybox:latest";
    private static final String HUGE = "x".repeat(10_000);
    private static final List<String> BAD_IDS = List.of("", "../x", HUGE, "ab\0cd", "bücher", "ABCDEF");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static BerthHarness berth;
    private static CriChannel cri;
    private static UnixHttpClient rest;
    private static PodSandboxConfig pod;
    private static String podId;
    /** A created (not started) container for the RPCs that need a real one. */
    private static String containerId;

    @BeforeAll
    static void start() throws Exception {
        berth = new BerthHarness();
        cri = new CriChannel(berth.criSocket());
        rest = new UnixHttpClient(berth.socket());
        pod = podConfig("hostile").build();
        podId = rt().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod).build()).getPodSandboxId();
        containerId = rt().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(podId)
                .setSandboxConfig(pod).setConfig(container("target")).build()).getContainerId();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (podId != null) {
                rt().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
                rt().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
            }
        } finally {
            if (cri != null) {
                cri.close();
            }
            if (berth != null) {
                berth.close();
            }
        }
    }

    private static RuntimeServiceGrpc.RuntimeServiceBlockingStub rt() {
        return cri.runtime().withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private static ImageServiceGrpc.ImageServiceBlockingStub images() {
        return cri.images().withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private static PodSandboxConfig.Builder podConfig(String name) {
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("default")
                        .setUid("uid-" + name))
                .setLogDirectory(berth.base().resolve("logs").toString())
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent(berth.cgroupParent() + "/pod-" + name)
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                                NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE))));
    }

    private static ContainerConfig.Builder container(String name) {
        return ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(IMAGE)).addCommand("sleep").addCommand("3600");
    }

    private static LinuxContainerConfig.Builder resources(LinuxContainerResources.Builder r) {
        return LinuxContainerConfig.newBuilder().setResources(r);
    }

    /** Just over the cap of a map's keys and values (2 MiB, the size of the largest pod object). */
    private static Map<String, String> hugeMap() {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0, chars = 0; chars <= InputRules.MAX_MAP_BYTES; i++) {
            String key = "key-" + i;
            m.put(key, "v".repeat(60));
            chars += key.length() + 60;
        }
        return m;
    }

    // ---- CRI ----

    @Test
    void runPodSandboxRefusesBadConfigs() throws Exception {
        List<Map.Entry<String, PodSandboxConfig.Builder>> cases = new ArrayList<>();
        cases.add(Map.entry("metadata", podConfig("x").clearMetadata()));
        cases.add(Map.entry("metadata", podConfig("x").setMetadata(PodSandboxMetadata.newBuilder().setName("x"))));
        cases.add(Map.entry("name", podConfig("../x")));
        cases.add(Map.entry("name", podConfig(HUGE)));
        cases.add(Map.entry("name", podConfig("a\0b")));
        cases.add(Map.entry("name", podConfig("pöd")));
        cases.add(Map.entry("labels", podConfig("labels").putAllLabels(hugeMap())));
        cases.add(Map.entry("annotations", podConfig("annotations").putAllAnnotations(Map.of("k", "v\0"))));
        cases.add(Map.entry("hostname", podConfig("hostname").setHostname("h".repeat(65))));
        cases.add(Map.entry("log_directory", podConfig("logdir").setLogDirectory("/" + "d".repeat(256))));
        cases.add(Map.entry("run_as_group needs run_as_user", podConfig("group").setLinux(LinuxPodSandboxConfig
                .newBuilder().setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
                        .setRunAsGroup(Int64Value.newBuilder().setValue(3000))
                        .setNamespaceOptions(NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE))))));
        cases.add(Map.entry("cgroup", podConfig("cgroup").setLinux(LinuxPodSandboxConfig.newBuilder()
                .setCgroupParent("../../escape"))));
        // kubelet with the systemd driver names slices; this berthd runs the cgroupfs driver
        cases.add(Map.entry("cgroupDriver", podConfig("slice").setLinux(LinuxPodSandboxConfig.newBuilder()
                .setCgroupParent("kubepods-besteffort-pod1.slice"))));
        int i = 0;
        for (Map.Entry<String, PodSandboxConfig.Builder> c : cases) {
            refusedByCri(c.getKey(), "RunPodSandbox case " + i++, () -> rt().runPodSandbox(
                    RunPodSandboxRequest.newBuilder().setConfig(c.getValue()).build()));
        }
        refusedByCri("config", "RunPodSandbox without config",
                () -> rt().runPodSandbox(RunPodSandboxRequest.getDefaultInstance()));
        refusedByCri("runtime", "RunPodSandbox with an unknown handler", () -> rt().runPodSandbox(
                RunPodSandboxRequest.newBuilder().setConfig(podConfig("handler")).setRuntimeHandler("../nope").build()));
    }

    @Test
    void createContainerRefusesBadConfigs() throws Exception {
        List<Map.Entry<String, ContainerConfig.Builder>> cases = new ArrayList<>();
        cases.add(Map.entry("metadata.name", container("x").clearMetadata()));
        cases.add(Map.entry("image", container("noimage").clearImage()));
        cases.add(Map.entry("name", container("../x")));
        cases.add(Map.entry("name", container(HUGE)));
        cases.add(Map.entry("name", container("a\0b")));
        cases.add(Map.entry("name", container("bücher")));
        cases.add(Map.entry("CreateContainer: config.image.image", container("nulimage")
                .setImage(ImageSpec.newBuilder().setImage("busybox\0"))));
        cases.add(Map.entry("image", container("hugeimage").setImage(ImageSpec.newBuilder().setImage(HUGE))));
        // The CRI's own field names, not those of the REST request both become (config.command is its entrypoint).
        cases.add(Map.entry("CreateContainer: config.command 'a\\x00b'", container("nulcmd").addCommand("a\0b")));
        cases.add(Map.entry("CreateContainer: config.args 'a\\x00b'", container("nulargs").addArgs("a\0b")));
        cases.add(Map.entry("config.envs", container("nulenv")
                .addEnvs(KeyValue.newBuilder().setKey("A").setValue("b\0"))));
        cases.add(Map.entry("CreateContainer: config.envs entry '=v'", container("noenvname")
                .addEnvs(KeyValue.newBuilder().setKey("").setValue("v"))));
        cases.add(Map.entry("config.linux.security_context.seccomp.localhost_ref '/etc/shadow' is not a valid seccomp"
                + " profile: not JSON", container("shadow").setLinux(LinuxContainerConfig.newBuilder()
                .setSecurityContext(LinuxContainerSecurityContext.newBuilder().setSeccomp(SecurityProfile.newBuilder()
                        .setProfileType(SecurityProfile.ProfileType.Localhost).setLocalhostRef("/etc/shadow"))))));
        cases.add(Map.entry("config.labels", container("labels").putAllLabels(hugeMap())));
        cases.add(Map.entry("config.linux.security_context.run_as_group needs", container("group").setLinux(
                LinuxContainerConfig.newBuilder().setSecurityContext(LinuxContainerSecurityContext.newBuilder()
                        .setRunAsGroup(Int64Value.newBuilder().setValue(3000))))));
        cases.add(Map.entry("config.log_path", container("logpath").setLogPath("x".repeat(256) + "/0.log")));
        cases.add(Map.entry("config.annotations", container("annotations").putAllAnnotations(hugeMap())));
        cases.add(Map.entry("config.linux.resources.cpu_quota: resources: cpu quota", container("quota")
                .setLinux(resources(LinuxContainerResources.newBuilder().setCpuQuota(-5)))));
        cases.add(Map.entry("config.linux.resources.cpu_quota", container("bigquota")
                .setLinux(resources(LinuxContainerResources.newBuilder().setCpuQuota(Long.MAX_VALUE)))));
        cases.add(Map.entry("config.linux.resources.cpu_period", container("period")
                .setLinux(resources(LinuxContainerResources.newBuilder().setCpuPeriod(5)))));
        cases.add(Map.entry("config.linux.resources.cpu_shares", container("shares")
                .setLinux(resources(LinuxContainerResources.newBuilder().setCpuShares(1L << 40)))));
        cases.add(Map.entry("config.linux.resources.memory_limit_in_bytes " + Long.MAX_VALUE + " is outside",
                container("memmax").setLinux(resources(LinuxContainerResources.newBuilder()
                        .setMemoryLimitInBytes(Long.MAX_VALUE)))));
        cases.add(Map.entry("config.linux.resources.memory_limit_in_bytes -1 is outside", container("memneg")
                .setLinux(resources(LinuxContainerResources.newBuilder().setMemoryLimitInBytes(-1)))));
        cases.add(Map.entry("config.linux.resources.oom_score_adj must be in -1000..1000", container("oom")
                .setLinux(resources(LinuxContainerResources.newBuilder().setOomScoreAdj(5000)))));
        cases.add(Map.entry("config.linux.resources.oom_score_adj", container("oommax")
                .setLinux(resources(LinuxContainerResources.newBuilder().setOomScoreAdj(Long.MAX_VALUE)))));
        cases.add(Map.entry("config.linux.resources.cpuset_cpus", container("cpuset")
                .setLinux(resources(LinuxContainerResources.newBuilder().setCpusetCpus("0-1; rm -rf /")))));
        int i = 0;
        for (Map.Entry<String, ContainerConfig.Builder> c : cases) {
            refusedByCri(c.getKey(), "CreateContainer case " + i++, () -> rt().createContainer(
                    CreateContainerRequest.newBuilder().setPodSandboxId(podId).setSandboxConfig(pod)
                            .setConfig(c.getValue()).build()));
        }
        refusedByCri("config", "CreateContainer without config", () -> rt().createContainer(
                CreateContainerRequest.newBuilder().setPodSandboxId(podId).build()));
        for (String id : BAD_IDS) {
            answeredByCri(Status.Code.NOT_FOUND, "CreateContainer in pod " + id.length(), () -> rt().createContainer(
                    CreateContainerRequest.newBuilder().setPodSandboxId(id).setConfig(container("badpod")).build()));
        }
    }

    /** Ids no container or sandbox has: Stop and Remove succeed (the CRI's idempotence), the rest are NOT_FOUND. */
    @Test
    void containerRpcsAnswerUnknownIdsAsTheCriAsks() throws Exception {
        List<String> ids = new ArrayList<>(BAD_IDS);
        ids.add("6f1c3b9e-2a4d-4c8f-9e1b-0d2c3a4b5c6d");
        ids.add("a".repeat(64));
        for (String id : ids) {
            String what = "id of " + id.length() + " chars";
            answeredByCri(Status.Code.OK, "StopContainer " + what, () -> rt().stopContainer(
                    StopContainerRequest.newBuilder().setContainerId(id).build()));
            answeredByCri(Status.Code.OK, "RemoveContainer " + what, () -> rt().removeContainer(
                    RemoveContainerRequest.newBuilder().setContainerId(id).build()));
            answeredByCri(Status.Code.OK, "StopPodSandbox " + what, () -> rt().stopPodSandbox(
                    StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build()));
            answeredByCri(Status.Code.OK, "RemovePodSandbox " + what, () -> rt().removePodSandbox(
                    RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build()));
            answeredByCri(Status.Code.NOT_FOUND, "StartContainer " + what, () -> rt().startContainer(
                    StartContainerRequest.newBuilder().setContainerId(id).build()));
            answeredByCri(Status.Code.NOT_FOUND, "ContainerStatus " + what, () -> rt().containerStatus(
                    ContainerStatusRequest.newBuilder().setContainerId(id).build()));
            answeredByCri(Status.Code.NOT_FOUND, "ContainerStats " + what, () -> rt().containerStats(
                    ContainerStatsRequest.newBuilder().setContainerId(id).build()));
            answeredByCri(Status.Code.NOT_FOUND, "ExecSync " + what, () -> rt().execSync(
                    ExecSyncRequest.newBuilder().setContainerId(id).addCmd("true").build()));
            answeredByCri(Status.Code.NOT_FOUND, "UpdateContainerResources " + what, () -> rt()
                    .updateContainerResources(UpdateContainerResourcesRequest.newBuilder().setContainerId(id).build()));
            answeredByCri(Status.Code.NOT_FOUND, "PodSandboxStatus " + what, () -> rt().podSandboxStatus(
                    PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build()));
        }
        refusedByCri("cmd", "ExecSync without cmd", () -> rt().execSync(
                ExecSyncRequest.newBuilder().setContainerId(containerId).build()));
    }

    @Test
    void updateRefusesBadResourcesAndChangesNothing() throws Exception {
        Path bundle = berth.root().resolve("containers").resolve(containerId).resolve("bundle/config.json");
        String spec = Files.readString(bundle);
        for (LinuxContainerResources.Builder r : List.of(LinuxContainerResources.newBuilder().setCpuQuota(-5),
                LinuxContainerResources.newBuilder().setMemoryLimitInBytes(Long.MAX_VALUE),
                LinuxContainerResources.newBuilder().setMemoryLimitInBytes(-1),
                LinuxContainerResources.newBuilder().setCpuShares(1L << 40),
                LinuxContainerResources.newBuilder().setCpuPeriod(-1))) {
            refusedByCri("UpdateContainerResources " + containerId + ": " + (r.getCpuQuota() != 0 ? "linux.cpu_quota"
                            : r.getCpuShares() != 0 ? "linux.cpu_shares" : r.getCpuPeriod() != 0 ? "linux.cpu_period"
                            : "linux.memory_limit_in_bytes"), "UpdateContainerResources " + r,
                    () -> rt().updateContainerResources(UpdateContainerResourcesRequest.newBuilder()
                            .setContainerId(containerId).setLinux(r).build()));
        }
        assertEquals(spec, Files.readString(bundle), "the bundle kept its resources");
    }

    @Test
    void imageRpcsRefuseBadReferences() throws Exception {
        for (String ref : List.of("", "../x", HUGE, "busybox\0", "bücher:latest", "busy box")) {
            String what = "reference of " + ref.length() + " chars";
            refusedByCri("image", "PullImage " + what, () -> images().pullImage(
                    PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build()));
            refusedByCri("image", "ImageStatus " + what, () -> images().imageStatus(
                    ImageStatusRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build()));
            refusedByCri("image", "RemoveImage " + what, () -> images().removeImage(
                    RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build()));
        }
    }

    // ---- REST ----

    @Test
    void restCreateRefusesBadBodies() throws Exception {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{}", "image");
        cases.put("{\"image\": \"\"}", "image");
        cases.put("{\"image\": ", "JSON");
        cases.put("[1, 2]", "JSON");
        cases.put("{\"image\": \"" + IMAGE + "\", \"memory\": \"lots\"}", "memory");
        cases.put("{\"image\": \"" + IMAGE + "\", \"memory\": -1}", "create container: memory -1 is outside");
        cases.put("{\"image\": \"" + IMAGE + "\", \"memory\": 9223372036854775807}", "memory 9223372036854775807 is");
        cases.put("{\"image\": \"" + IMAGE + "\", \"memory\": 1e30}", "memory");
        cases.put("{\"image\": \"" + IMAGE + "\", \"cpus\": -1}", "cpus");
        cases.put("{\"image\": \"" + IMAGE + "\", \"pidsLimit\": -5}", "pidsLimit must be positive");
        cases.put("{\"image\": \"" + IMAGE + "\", \"name\": \"../x\"}", "name");
        cases.put("{\"image\": \"" + IMAGE + "\", \"name\": \"" + HUGE + "\"}", "name");
        cases.put("{\"image\": \"" + IMAGE + "\", \"name\": \"a\\u0000b\"}", "name");
        cases.put("{\"image\": \"" + IMAGE + "\", \"name\": \"bücher\"}", "name");
        cases.put("{\"image\": \"" + IMAGE + "\", \"cmd\": [\"a\\u0000b\"]}", "create container: cmd 'a\\x00b'");
        cases.put("{\"image\": \"" + IMAGE + "\", \"entrypoint\": [\"a\\u0000b\"]}", "create container: entrypoint");
        cases.put("{\"image\": \"" + IMAGE + "\", \"cmd\": [null]}", "cmd");
        // (a map over the cap does not fit in a REST body, which is capped at 1 MiB before any rule)
        cases.put("{\"image\": \"" + IMAGE + "\", \"labels\": {\"\": \"v\"}}", "labels: a key is empty");
        cases.put("{\"image\": \"" + IMAGE + "\", \"linux\": {\"cpuQuota\": -5}}",
                "linux.cpuQuota: resources: cpu quota");
        cases.put("{\"image\": \"" + IMAGE + "\", \"linux\": {\"cpuShares\": 1099511627776}}", "linux.cpuShares");
        cases.put("{\"image\": \"" + IMAGE + "\", \"linux\": {\"oomScoreAdj\": 5000}}", "linux.oomScoreAdj must be");
        cases.put("{\"image\": \"" + IMAGE + "\", \"linux\": {\"oomScoreAdj\": 99999999999}}", "oomScoreAdj");
        cases.put("{\"image\": \"busybox\\u0000\"}", "image");
        // Docker's `-e C` takes C from the client's environment: the CLI's to expand, never the API's.
        cases.put("{\"image\": \"" + IMAGE + "\", \"env\": [\"C\"]}", "create container: env entry 'C' has no '='");
        cases.put("{\"image\": \"" + IMAGE + "\", \"linux\": {\"security\": {\"seccomp\": \"LOCALHOST\", "
                + "\"seccompLocalhost\": \"/etc/shadow\"}}}",
                "linux.security.seccompLocalhost '/etc/shadow' is not a valid seccomp profile: not JSON");
        cases.put("{\"image\": \"" + IMAGE + "\", \"linux\": {\"security\": {\"seccomp\": \"LOCALHOST\", "
                + "\"seccompLocalhost\": \"/dev/zero\"}}}", "seccompLocalhost '/dev/zero' is not a valid seccomp");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            refusedByRest(c.getValue(), "POST", "/v1/containers", c.getKey());
        }
        refusedByRest("body", "POST", "/v1/containers", null);
    }

    @Test
    void restRefusesBadReferencesAndUpdates() throws Exception {
        // Not "../x": its '/' makes it another path, which no route serves (404, nothing touched).
        for (String ref : List.of("..", "x".repeat(InputRules.MAX_NAME_CHARS + 1), "ab\0cd", "bücher", ".hidden")) {
            String path = "/v1/containers/" + URLEncoder.encode(ref, StandardCharsets.UTF_8).replace("+", "%20");
            refusedByRest("container reference", "GET", path, null);
            refusedByRest("container reference", "DELETE", path, null);
            refusedByRest("container reference", "POST", path + "/start", null);
            refusedByRest("container reference", "POST", path + "/stop", null);
        }
        String one = "/v1/containers/" + containerId + "/update";
        refusedByRest("update container " + containerId + ": memory -1 is outside", "POST", one, "{\"memory\": -1}");
        refusedByRest("cpuShares: resources: cpu shares", "POST", one, "{\"cpuShares\": 1099511627776}");
        refusedByRest("cpuQuota: resources: cpu quota", "POST", one, "{\"cpuQuota\": -5}");
        refusedByRest("cpuShares", "POST", one, "{\"cpuShares\": \"many\"}");
        String container = "/v1/containers/" + containerId;
        refusedByRest("logs of container " + containerId + ": tail must be", "GET", container + "/logs?tail=-5", null);
        refusedByRest("exec in container " + containerId + ": consoleSize must be", "POST", container + "/exec",
                "{\"cmd\": [\"true\"], \"tty\": true, \"consoleSize\": {\"height\": -5, \"width\": 80}}");
        refusedByRest("exec in container " + containerId + ": env entry 'C' has no '='", "POST", container + "/exec",
                "{\"cmd\": [\"true\"], \"env\": [\"C\"]}");
        refusedByRest("workingDir 'tmp' is not an absolute path", "POST", container + "/exec",
                "{\"cmd\": [\"true\"], \"workingDir\": \"tmp\"}");
    }

    // ---- checks ----

    /** The call answers {@code code} (OK: succeeds), and berthd's state is unchanged. */
    private static void answeredByCri(Status.Code code, String what, Executable call) throws Exception {
        Snapshot before = Snapshot.take();
        Status.Code answered = Status.Code.OK;
        try {
            call.execute();
        } catch (StatusRuntimeException e) {
            answered = e.getStatus().getCode();
            checkMessage("", what, e.getStatus().getDescription());
        } catch (Throwable t) {
            throw new AssertionError(what, t);
        }
        assertEquals(code, answered, what);
        assertEquals(before, Snapshot.take(), what + " changed berthd's state");
    }

    /** The call fails with INVALID_ARGUMENT naming {@code field}, and berthd's state is unchanged. */
    private static void refusedByCri(String field, String what, Executable call) throws Exception {
        Snapshot before = Snapshot.take();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call, what + " was accepted");
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), what + ": " + e.getStatus());
        checkMessage(field, what, e.getStatus().getDescription());
        assertEquals(before, Snapshot.take(), what + " changed berthd's state");
    }

    private static void refusedByRest(String field, String method, String path, String body) throws Exception {
        String what = method + " " + (path.length() > 80 ? path.substring(0, 80) + "..." : path) + " "
                + (body == null ? "" : body.length() > 120 ? body.substring(0, 120) + "..." : body);
        Snapshot before = Snapshot.take();
        int status;
        String answer;
        try (HttpResponse r = rest.send(method, path, body == null ? null : body.getBytes(StandardCharsets.UTF_8))) {
            status = r.status();
            answer = r.readBodyString();
        }
        assertEquals(400, status, what + ": " + answer);
        JsonNode message = JSON.readTree(answer).get("message");
        assertTrue(message != null && message.isTextual(), what + ": " + answer);
        checkMessage(field, what, message.asText());
        assertEquals(before, Snapshot.take(), what + " changed berthd's state");
    }

    private static void checkMessage(String field, String what, String message) {
        assertTrue(message != null && message.toLowerCase().contains(field.toLowerCase()),
                what + ": the message does not name " + field + ": " + message);
        for (String leak : List.of("Exception", "java.", "dev.berth", "\tat ", "com.fasterxml", "Unrecognized token")) {
            assertFalse(message.contains(leak), what + ": the message shows Java internals: " + message);
        }
        assertTrue(message.length() < 2_000, what + ": the message is " + message.length() + " characters long");
    }

    /** Containers and pods as both APIs list them, berthd's directories, this daemon's cgroups and shims. */
    private record Snapshot(List<String> criContainers, List<String> pods, String restContainers,
                            TreeSet<String> files) {
        static Snapshot take() throws IOException {
            List<String> containers = rt().listContainers(ListContainersRequest.getDefaultInstance())
                    .getContainersList().stream().map(c -> c.getId() + " " + c.getState()).sorted().toList();
            List<String> pods = rt().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()
                    .stream().map(p -> p.getId() + " " + p.getState()).sorted().toList();
            String listed;
            try (HttpResponse r = rest.send("GET", "/v1/containers?all=true", null)) {
                listed = r.readBodyString();
            }
            TreeSet<String> files = new TreeSet<>();
            for (Path dir : List.of(berth.root().resolve("containers"), berth.root().resolve("pods"),
                    berth.runRoot().resolve("shims"), berth.runRoot().resolve("runc"),
                    Path.of("/sys/fs/cgroup/memory", berth.cgroupParent()),
                    Path.of("/sys/fs/cgroup/pids", berth.cgroupParent()))) {
                if (Files.isDirectory(dir)) {
                    try (Stream<Path> walk = Files.walk(dir, 2)) {
                        walk.filter(Files::isDirectory).forEach(p -> files.add(p.toString()));
                    }
                }
            }
            return new Snapshot(containers, pods, listed, files);
        }
    }
}
