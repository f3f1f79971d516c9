package dev.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cri.v1.*;
import dev.berth.it.support.BerthHarness;
import dev.berth.it.support.CriChannel;
import dev.berth.it.support.CriFixture;
import dev.berth.oci.json.OciJson;
import dev.berth.testing.Await;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What ContainerStatus and PodSandboxStatus report, as kubelet and crictl read it: the mounts asked for, the
 * resources after an update (also after a berthd restart), the user with its supplemental groups under both
 * SupplementalGroupsPolicy values, and the verbose info. The image whose user has an extra group in /etc/group
 * is made with umoci 0.4's {@code insert}, whose layers end without the tar end-of-archive records.
 */
class CriStatusIT {
    private static final String BUSYBOX = "localhost/busybox:latest";
    private static final String GROUPED = "localhost/umoci-grouped:latest";
    private static final CriFixture fixture = new CriFixture();
    private static BerthHarness berth;
    private static CriChannel cri;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(BerthHarness.onPath("umoci"), "needs umoci");
        berth = new BerthHarness();
        cri = fixture.connect(berth);
        Path layout = umociImage(berth.base().resolve("umoci"));
        berth.ok("image", "import", layout.toString(), "--name", GROUPED);
    }

    /**
     * The built-in busybox plus /etc/passwd and /etc/group inserted by umoci (app, uid 1000, is listed in the
     * group extra, 50000), app as the image's user.
     */
    private static Path umociImage(Path dir) throws Exception {
        Files.createDirectories(dir);
        Path layout = dir.resolve("layout");
        BerthHarness.run("cp", "-r", BerthHarness.REPO.resolve("build/images/busybox").toString(), layout.toString());
        Path passwd = Files.writeString(dir.resolve("passwd"),
                "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
        Path group = Files.writeString(dir.resolve("group"), "root:x:0:\napp:x:1000:\nextra:x:50000:app\n");
        String image = layout + ":latest";
        for (String[] cmd : List.of(new String[] {"umoci", "insert", "--image", image, passwd.toString(), "/etc/passwd"},
                new String[] {"umoci", "insert", "--image", image, group.toString(), "/etc/group"},
                new String[] {"umoci", "config", "--image", image, "--config.user", "app"})) {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
        }
        return layout;
    }

    @AfterAll
    static void stop() throws Exception {
        fixture.close();
    }

    @AfterEach
    void noPodLeft() {
        fixture.removeAllPods();
    }

    private static RuntimeServiceGrpc.RuntimeServiceBlockingStub rt() {
        return cri.runtime().withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    /** A host-network pod: what is reported here does not depend on CNI. */
    private static PodSandboxConfig pod(String name) {
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("default")
                        .setUid("uid-" + name))
                .setHostname(name)
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent(berth.cgroupParent() + "/pod-" + name)
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                                NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE))))
                .build();
    }

    private static String runPod(PodSandboxConfig config) {
        return rt().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config).build()).getPodSandboxId();
    }

    private static String run(String podId, PodSandboxConfig pod, ContainerConfig.Builder c) {
        String id = rt().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(podId).setConfig(c)
                .setSandboxConfig(pod).build()).getContainerId();
        rt().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    private static ContainerConfig.Builder container(String name, String image) {
        return ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(image)).addAllCommand(List.of("sleep", "3600"));
    }

    private static ContainerStatusResponse status(String id, boolean verbose) {
        return rt().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).setVerbose(verbose)
                .build());
    }

    private static String exec(String id, String... cmd) {
        ExecSyncResponse r = rt().execSync(ExecSyncRequest.newBuilder().setContainerId(id).addAllCmd(List.of(cmd))
                .setTimeout(20).build());
        assertEquals(0, r.getExitCode(), r.getStderr().toStringUtf8());
        return r.getStdout().toStringUtf8().strip();
    }

    @Test
    void umociInsertLayersEndWithoutTheEndOfArchiveRecordsAndStillRun() throws Exception {
        // The premise: what umoci wrote stops right after the inserted file's data.
        Path layout = berth.base().resolve("umoci/layout");
        JsonNode index = OciJson.mapper().readTree(layout.resolve("index.json").toFile());
        JsonNode manifest = OciJson.mapper().readTree(blob(layout, index.path("manifests").get(0).path("digest")
                .asText()).toFile());
        JsonNode layers = manifest.path("layers");
        byte[] last;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(blob(layout,
                layers.get(layers.size() - 1).path("digest").asText())))) {
            last = in.readAllBytes();
        }
        assertTrue(last.length % 512 != 0, "umoci's layer is " + last.length + " bytes: padded after all");
        PodSandboxConfig pod = pod("umoci");
        String id = run(runPod(pod), pod, container("c", GROUPED));
        assertTrue(exec(id, "cat", "/etc/group").contains("extra:x:50000:app"));
        assertEquals("1000", exec(id, "id", "-u"));
    }

    private static Path blob(Path layout, String digest) {
        return layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
    }

    @Test
    void mergeAddsTheImagesGroupsStrictOnlyTheAskedOnesAndStatusReportsTheUser() {
        PodSandboxConfig pod = pod("groups");
        String podId = runPod(pod);
        String merge = run(podId, pod, container("merge", GROUPED).setLinux(LinuxContainerConfig.newBuilder()
                .setSecurityContext(LinuxContainerSecurityContext.newBuilder().addSupplementalGroups(70000))));
        String strict = run(podId, pod, container("strict", GROUPED).setLinux(LinuxContainerConfig.newBuilder()
                .setSecurityContext(LinuxContainerSecurityContext.newBuilder().addSupplementalGroups(70000)
                        .setSupplementalGroupsPolicy(SupplementalGroupsPolicy.Strict))));
        assertEquals(List.of("1000", "50000", "70000"), sorted(exec(merge, "id", "-G")));
        assertEquals(List.of("1000", "70000"), sorted(exec(strict, "id", "-G")));
        assertEquals(LinuxContainerUser.newBuilder().setUid(1000).setGid(1000)
                .addAllSupplementalGroups(List.of(1000L, 50000L, 70000L)).build(),
                status(merge, false).getStatus().getUser().getLinux());
        assertEquals(LinuxContainerUser.newBuilder().setUid(1000).setGid(1000)
                .addAllSupplementalGroups(List.of(1000L, 70000L)).build(),
                status(strict, false).getStatus().getUser().getLinux());
        assertTrue(rt().status(StatusRequest.getDefaultInstance()).getFeatures().getSupplementalGroupsPolicy());
    }

    private static List<String> sorted(String words) {
        return Arrays.stream(words.split("\\s+")).distinct().sorted().toList();
    }

    @Test
    void statusReportsTheAskedMountsAndTheUpdatedResourcesAlsoAfterARestart() throws Exception {
        Path data = Files.createDirectories(berth.base().resolve("mount-data"));
        Files.writeString(data.resolve("f"), "data\n");
        Mount asked = Mount.newBuilder().setContainerPath("/data").setHostPath(data.toString()).setReadonly(true)
                .setSelinuxRelabel(true).setPropagation(MountPropagation.PROPAGATION_HOST_TO_CONTAINER).build();
        PodSandboxConfig pod = pod("mounts");
        String id = run(runPod(pod), pod, container("c", BUSYBOX).addMounts(asked)
                .setLinux(LinuxContainerConfig.newBuilder().setResources(LinuxContainerResources.newBuilder()
                        .setMemoryLimitInBytes(128 << 20).setCpuShares(256))));
        assertEquals("data", exec(id, "cat", "/data/f"));
        // Only what the request asked for: not the runtime's /etc/resolv.conf and /etc/hostname binds.
        assertEquals(List.of(asked), status(id, false).getStatus().getMountsList());
        assertEquals(LinuxContainerResources.newBuilder().setMemoryLimitInBytes(128 << 20).setCpuShares(256).build(),
                status(id, false).getStatus().getResources().getLinux());

        rt().updateContainerResources(UpdateContainerResourcesRequest.newBuilder().setContainerId(id)
                .setLinux(LinuxContainerResources.newBuilder().setMemoryLimitInBytes(64 << 20).setCpuShares(512)
                        .setCpuQuota(50_000).setCpuPeriod(100_000)).build());
        LinuxContainerResources updated = LinuxContainerResources.newBuilder().setMemoryLimitInBytes(64 << 20)
                .setCpuShares(512).setCpuQuota(50_000).setCpuPeriod(100_000).build();
        assertEquals(updated, status(id, false).getStatus().getResources().getLinux());

        berth.killDaemon();
        berth.startDaemon();
        assertTrue(Await.eventually(() -> {
            try {
                return status(id, false).getStatus().getState() == ContainerState.CONTAINER_RUNNING;
            } catch (StatusRuntimeException e) {
                return false;
            }
        }, 20_000));
        assertEquals(updated, status(id, false).getStatus().getResources().getLinux());
        assertEquals(List.of(asked), status(id, false).getStatus().getMountsList());
    }

    @Test
    void verboseStatusCarriesPidConfigAndRuntimeSpecAsContainerdDoes() throws Exception {
        PodSandboxConfig pod = pod("verbose");
        String podId = runPod(pod);
        String id = run(podId, pod, container("c", BUSYBOX));
        assertTrue(status(id, false).getInfoMap().isEmpty(), "info only when verbose");

        JsonNode info = OciJson.mapper().readTree(status(id, true).getInfoOrThrow("info"));
        assertEquals(podId, info.path("sandboxID").asText());
        long pid = info.path("pid").asLong();
        assertTrue(pid > 0, info.toString());
        assertTrue(Files.readString(Path.of("/proc/" + pid + "/cmdline")).startsWith("sleep\0" + "3600"));
        assertEquals("c", info.path("config").path("metadata").path("name").asText());
        assertEquals(List.of("sleep", "3600"), strings(info.path("runtimeSpec").path("process").path("args")));

        JsonNode podInfo = OciJson.mapper().readTree(rt().podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                .setPodSandboxId(podId).setVerbose(true).build()).getInfoOrThrow("info"));
        long podPid = podInfo.path("pid").asLong();
        assertTrue(podPid > 0 && podPid != pid, podInfo.toString());
        assertTrue(Files.exists(Path.of("/proc/" + podPid)));
        assertEquals("verbose", podInfo.path("config").path("metadata").path("name").asText());
        assertEquals("verbose", podInfo.path("config").path("hostname").asText());
        assertTrue(podInfo.path("runtimeSpec").path("process").path("args").size() > 0, podInfo.toString());
    }

    private static List<String> strings(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }
}
