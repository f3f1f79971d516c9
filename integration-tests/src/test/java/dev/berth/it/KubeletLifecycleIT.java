package dev.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.cri.v1.*;
import dev.berth.it.support.BerthHarness;
import dev.berth.it.support.CriChannel;
import dev.berth.it.support.CriFixture;
import dev.berth.it.support.TestRegistry;
import dev.berth.testing.Await;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * A pod's whole life as kubelet's SyncPod, KillPod and garbage collection drive it, RPC by RPC in kubelet's
 * order and with what kubelet sends: the longest names Kubernetes allows (a 253-character pod name, a
 * 63-character namespace and container names, a UUID), kubelet's labels and annotations, its log paths. Then
 * unknown ids with the codes the CRI asks for, and refused requests that must leave no trace.
 */
class KubeletLifecycleIT {
    private static final String BUILTIN_IMAGE = "localhost/busybox:latest";
    /** A DNS subdomain of 253 characters: the longest pod name the API server takes. */
    private static final String POD_NAME = ("kubelet-lifecycle." + "p".repeat(240)).substring(0, 252) + "z";
    /** A DNS label of 63 characters: the longest namespace and container name. */
    private static final String NAMESPACE = "ns-" + "n".repeat(59) + "z";
    private static final String APP = "app-" + "a".repeat(58) + "z";
    private static final String SIDECAR = "sidecar-" + "s".repeat(54) + "z";

    private static final CriFixture fixture = new CriFixture();
    private static BerthHarness berth;
    private static Path work;
    private static String bridge;
    private static String subnetPrefix;
    private static CriChannel cri;
    private static TestRegistry registry;
    /** What the pod's containers run: pulled from the local registry when it can run, else the built-in image. */
    private static String image;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/lib/cni/bridge")), "needs containernetworking-plugins");
        assertEquals(253, POD_NAME.length());
        assertEquals(63, NAMESPACE.length());
        assertEquals(63, APP.length());
        assertEquals(63, SIDECAR.length());
        work = fixture.tempDirectory("berth-it-kubelet");
        int third = ThreadLocalRandom.current().nextInt(2, 250);
        bridge = fixture.bridge("bkl" + third + "x" + ThreadLocalRandom.current().nextInt(1000));
        subnetPrefix = "10.245." + third + ".";
        Path cni = Files.createDirectories(work.resolve("cni"));
        Files.writeString(cni.resolve("10-kubelet.conflist"), """
                {"cniVersion": "1.0.0", "name": "%s", "plugins": [
                  {"type": "bridge", "bridge": "%s", "isGateway": true, "ipMasq": false,
                   "ipam": {"type": "host-local", "ranges": [[{"subnet": "%s0/24"}]], "dataDir": "%s"}}]}
                """.formatted(bridge, bridge, subnetPrefix, work.resolve("ipam")));
        if (Stream.of("docker-registry", "skopeo", "umoci", "tar").allMatch(BerthHarness::onPath)
                && Files.isDirectory(BerthHarness.REPO.resolve("build/images/busybox"))) {
            registry = fixture.closeAtEnd(TestRegistry.start(work));
            registry.push(registry.busyboxLayout("layout"), "kubelet/busybox:1.36");
            image = registry.host() + "/kubelet/busybox:1.36";
        } else {
            image = BUILTIN_IMAGE;
        }
        berth = new BerthHarness(List.of("cni_conf_dir = \"" + cni + "\""));
        cri = fixture.connect(berth);
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

    private static ImageServiceGrpc.ImageServiceBlockingStub images() {
        return cri.images().withDeadlineAfter(120, TimeUnit.SECONDS);
    }

    /** kubeGenericRuntimeManager.generatePodSandboxConfig, for a pod with one port and a restricted context. */
    private static PodSandboxConfig sandboxConfig(String uid, Path logDirectory) {
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(POD_NAME).setNamespace(NAMESPACE).setUid(uid)
                        .setAttempt(0))
                // the pod name cut to 63 characters, as kubelet's GeneratePodHostNameAndDomain does
                .setHostname(POD_NAME.substring(0, 62) + "z")
                .setLogDirectory(logDirectory.toString())
                .setDnsConfig(DNSConfig.newBuilder().addServers("10.96.0.10")
                        .addSearches(NAMESPACE + ".svc.cluster.local").addSearches("svc.cluster.local")
                        .addSearches("cluster.local").addOptions("ndots:5"))
                .putLabels("app", "lifecycle")
                .putLabels("io.kubernetes.pod.name", POD_NAME)
                .putLabels("io.kubernetes.pod.namespace", NAMESPACE)
                .putLabels("io.kubernetes.pod.uid", uid)
                .putAnnotations("kubernetes.io/config.seen", "2026-12-06T17:00:00.000000000Z")
                .putAnnotations("kubernetes.io/config.source", "api")
                .setLinux(LinuxPodSandboxConfig.newBuilder()
                        .setCgroupParent(berth.cgroupParent() + "/kubepods/besteffort/pod" + uid)
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
                                .setNamespaceOptions(NamespaceOption.newBuilder().setPid(NamespaceMode.CONTAINER))
                                .setRunAsUser(Int64Value.newBuilder().setValue(0))
                                .setRunAsGroup(Int64Value.newBuilder().setValue(0))
                                .setSeccomp(SecurityProfile.newBuilder()
                                        .setProfileType(SecurityProfile.ProfileType.RuntimeDefault))))
                .build();
    }

    /** kubeGenericRuntimeManager.generateContainerConfig, with newContainerLabels and newContainerAnnotations. */
    private static ContainerConfig containerConfig(String uid, String name, int restartCount, String imageRef,
            String... cmd) {
        return ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name).setAttempt(restartCount))
                .setImage(ImageSpec.newBuilder().setImage(imageRef).setUserSpecifiedImage(image))
                .addAllCommand(List.of(cmd))
                .addEnvs(KeyValue.newBuilder().setKey("KUBERNETES_SERVICE_HOST").setValue("10.96.0.1"))
                .addEnvs(KeyValue.newBuilder().setKey("KUBERNETES_SERVICE_PORT").setValue("443"))
                .putLabels("io.kubernetes.container.name", name)
                .putLabels("io.kubernetes.pod.name", POD_NAME)
                .putLabels("io.kubernetes.pod.namespace", NAMESPACE)
                .putLabels("io.kubernetes.pod.uid", uid)
                .putAnnotations("io.kubernetes.container.hash", Integer.toHexString(name.hashCode()))
                .putAnnotations("io.kubernetes.container.restartCount", Integer.toString(restartCount))
                .putAnnotations("io.kubernetes.container.terminationMessagePath", "/dev/termination-log")
                .putAnnotations("io.kubernetes.container.terminationMessagePolicy", "File")
                .putAnnotations("io.kubernetes.pod.terminationGracePeriod", "30")
                // kubelet's BuildContainerLogsPath: relative to the sandbox's log directory
                .setLogPath(name + "/" + restartCount + ".log")
                .setLinux(LinuxContainerConfig.newBuilder()
                        .setResources(LinuxContainerResources.newBuilder().setCpuShares(2).setOomScoreAdj(1000))
                        .setSecurityContext(LinuxContainerSecurityContext.newBuilder()
                                .setNamespaceOptions(NamespaceOption.newBuilder().setPid(NamespaceMode.CONTAINER))
                                .setSeccomp(SecurityProfile.newBuilder()
                                        .setProfileType(SecurityProfile.ProfileType.RuntimeDefault))))
                .build();
    }

    /** kubelet makes the container's log directory itself before CreateContainer (BuildContainerLogsDirectory). */
    private static String createContainer(String podId, PodSandboxConfig sandbox, ContainerConfig config)
            throws IOException {
        Files.createDirectories(Path.of(sandbox.getLogDirectory(), config.getMetadata().getName()));
        return rt().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(podId).setConfig(config)
                .setSandboxConfig(sandbox).build()).getContainerId();
    }

    private static ContainerStatus status(String id) {
        return rt().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build()).getStatus();
    }

    private static void awaitState(String id, ContainerState state) {
        assertTrue(Await.eventually(() -> status(id).getState() == state, 20_000),
                id + " never became " + state + ": " + status(id));
    }

    private static List<String> listContainers(ContainerFilter.Builder filter) {
        return rt().listContainers(ListContainersRequest.newBuilder().setFilter(filter).build()).getContainersList()
                .stream().map(Container::getId).sorted().toList();
    }

    private static List<String> listPods(PodSandboxFilter.Builder filter) {
        return rt().listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(filter).build()).getItemsList()
                .stream().map(PodSandbox::getId).toList();
    }

    private static ExecSyncResponse probe(String id, String... cmd) {
        return rt().execSync(ExecSyncRequest.newBuilder().setContainerId(id).addAllCmd(List.of(cmd)).setTimeout(10)
                .build());
    }

    @Test
    void aPodWithKubernetesLongestNamesLivesAndDiesInKubeletsRpcOrder() throws Exception {
        String uid = UUID.randomUUID().toString();
        // kubelet's BuildPodLogsDirectory would be <namespace>_<pod>_<uid>: 354 bytes for these names, over Linux's
        // NAME_MAX of 255, so kubelet itself fails to make it for such a pod; the uid alone stands in for it.
        Path logDirectory = work.resolve("pods").resolve(uid);
        Files.createDirectories(logDirectory);

        // kubelet's start-up and every sync: Version, then Status
        VersionResponse version = rt().version(VersionRequest.newBuilder().setVersion("0.1.0").build());
        assertEquals("v1", version.getRuntimeApiVersion());
        assertEquals("berth", version.getRuntimeName());
        StatusResponse runtimeStatus = rt().status(StatusRequest.getDefaultInstance());
        for (String condition : List.of("RuntimeReady", "NetworkReady")) {
            assertTrue(runtimeStatus.getStatus().getConditionsList().stream()
                    .anyMatch(c -> c.getType().equals(condition) && c.getStatus()), condition + ": " + runtimeStatus);
        }

        // SyncPod step 4: the sandbox
        PodSandboxConfig sandbox = sandboxConfig(uid, logDirectory);
        String podId = rt().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(sandbox).build())
                .getPodSandboxId();
        assertTrue(podId.matches("[0-9a-f]{64}"), podId);
        PodSandboxStatus ps = rt().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(podId)
                .build()).getStatus();
        assertEquals(PodSandboxState.SANDBOX_READY, ps.getState());
        assertEquals(sandbox.getMetadata(), ps.getMetadata());
        assertTrue(ps.getNetwork().getIp().startsWith(subnetPrefix), ps.getNetwork().getIp());
        assertEquals(sandbox.getLabelsMap(), ps.getLabelsMap());
        assertEquals(sandbox.getAnnotationsMap(), ps.getAnnotationsMap());

        // EnsureImageExists: ImageStatus, a pull only when it is missing, then its ref for CreateContainer
        ImageSpec spec = ImageSpec.newBuilder().setImage(image).build();
        String pulled = null;
        if (registry != null) {
            assertFalse(images().imageStatus(ImageStatusRequest.newBuilder().setImage(spec).build()).hasImage(),
                    "not pulled yet");
            pulled = images().pullImage(PullImageRequest.newBuilder().setImage(spec)
                    .setSandboxConfig(sandbox).build()).getImageRef();
        }
        Image found = images().imageStatus(ImageStatusRequest.newBuilder().setImage(spec).build()).getImage();
        assertFalse(found.getId().isEmpty(), found.toString());
        if (pulled != null) {
            assertEquals(pulled, found.getId());
        }
        String imageRef = found.getId();

        // SyncPod step 7: the containers, each created and started in turn
        ContainerConfig app = containerConfig(uid, APP, 0, imageRef, "sh", "-c",
                "echo app started; trap 'exit 0' TERM; while true; do sleep 1; done");
        String appId = createContainer(podId, sandbox, app);
        rt().startContainer(StartContainerRequest.newBuilder().setContainerId(appId).build());
        ContainerConfig sidecar = containerConfig(uid, SIDECAR, 0, imageRef, "sleep", "3600");
        String sidecarId = createContainer(podId, sandbox, sidecar);
        rt().startContainer(StartContainerRequest.newBuilder().setContainerId(sidecarId).build());
        awaitState(appId, ContainerState.CONTAINER_RUNNING);
        awaitState(sidecarId, ContainerState.CONTAINER_RUNNING);
        ContainerStatus appStatus = status(appId);
        assertEquals(app.getMetadata(), appStatus.getMetadata());
        assertEquals(app.getLabelsMap(), appStatus.getLabelsMap());
        assertEquals(app.getAnnotationsMap(), appStatus.getAnnotationsMap());
        assertEquals(logDirectory.resolve(APP + "/0.log").toString(), appStatus.getLogPath());
        assertEquals(imageRef, appStatus.getImageRef());
        Path appLog = logDirectory.resolve(APP).resolve("0.log");
        assertTrue(Await.eventually(() -> read(appLog).contains(" stdout F app started"), 10_000),
                "the CRI log of " + APP + ": " + read(appLog));

        // kubelet's PLEG and status manager: lists with filters
        assertEquals(List.of(appId), listContainers(ContainerFilter.newBuilder().setId(appId)));
        assertEquals(sortedOf(appId, sidecarId), listContainers(ContainerFilter.newBuilder().setPodSandboxId(podId)
                .setState(ContainerStateValue.newBuilder().setState(ContainerState.CONTAINER_RUNNING))));
        assertEquals(sortedOf(appId, sidecarId), listContainers(ContainerFilter.newBuilder()
                .putLabelSelector("io.kubernetes.pod.uid", uid)));
        assertEquals(List.of(sidecarId), listContainers(ContainerFilter.newBuilder()
                .putLabelSelector("io.kubernetes.pod.uid", uid).putLabelSelector("io.kubernetes.container.name",
                        SIDECAR)));
        assertEquals(List.of(), listContainers(ContainerFilter.newBuilder()
                .setState(ContainerStateValue.newBuilder().setState(ContainerState.CONTAINER_EXITED))));
        assertEquals(List.of(podId), listPods(PodSandboxFilter.newBuilder().setId(podId)));
        assertEquals(List.of(podId), listPods(PodSandboxFilter.newBuilder()
                .setState(PodSandboxStateValue.newBuilder().setState(PodSandboxState.SANDBOX_READY))
                .putLabelSelector("io.kubernetes.pod.uid", uid)));
        assertEquals(List.of(), listPods(PodSandboxFilter.newBuilder()
                .putLabelSelector("io.kubernetes.pod.uid", UUID.randomUUID().toString())));

        // the prober: exec probes, passing and failing
        ExecSyncResponse ready = probe(appId, "sh", "-c", "echo ready");
        assertEquals(0, ready.getExitCode());
        assertEquals("ready\n", ready.getStdout().toStringUtf8());
        assertEquals(3, probe(sidecarId, "sh", "-c", "exit 3").getExitCode());

        // the stats provider
        ContainerStats stats = rt().containerStats(ContainerStatsRequest.newBuilder().setContainerId(appId).build())
                .getStats();
        assertEquals(appId, stats.getAttributes().getId());
        assertEquals(app.getMetadata(), stats.getAttributes().getMetadata());
        assertTrue(stats.getMemory().getWorkingSetBytes().getValue() > 0, stats.toString());
        assertTrue(stats.getCpu().getUsageCoreNanoSeconds().getValue() > 0, stats.toString());
        assertEquals(2, rt().listContainerStats(ListContainerStatsRequest.newBuilder().setFilter(
                ContainerStatsFilter.newBuilder().setPodSandboxId(podId)).build()).getStatsCount());

        // a restart: kubelet kills the container, then creates attempt 1 under the same name and keeps the
        // exited attempt 0 until its garbage collection removes it
        rt().stopContainer(StopContainerRequest.newBuilder().setContainerId(appId).setTimeout(30).build());
        ContainerStatus exited = status(appId);
        assertEquals(ContainerState.CONTAINER_EXITED, exited.getState());
        assertEquals(0, exited.getExitCode(), exited.toString());
        ContainerConfig app1 = containerConfig(uid, APP, 1, imageRef, "sleep", "3600");
        String app1Id = createContainer(podId, sandbox, app1);
        assertNotEquals(appId, app1Id);
        rt().startContainer(StartContainerRequest.newBuilder().setContainerId(app1Id).build());
        awaitState(app1Id, ContainerState.CONTAINER_RUNNING);
        assertEquals(1, status(app1Id).getMetadata().getAttempt());
        assertEquals(logDirectory.resolve(APP + "/1.log").toString(), status(app1Id).getLogPath());
        assertEquals(sortedOf(appId, app1Id), listContainers(ContainerFilter.newBuilder()
                .putLabelSelector("io.kubernetes.container.name", APP)));
        assertEquals(List.of(appId), listContainers(ContainerFilter.newBuilder().setPodSandboxId(podId)
                .setState(ContainerStateValue.newBuilder().setState(ContainerState.CONTAINER_EXITED))));
        rt().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(appId).build());
        assertEquals(List.of(app1Id), listContainers(ContainerFilter.newBuilder()
                .putLabelSelector("io.kubernetes.container.name", APP)));

        // KillPod: the containers, then the sandbox; the garbage collector removes them after
        for (String id : List.of(app1Id, sidecarId)) {
            rt().stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(2).build());
            assertEquals(ContainerState.CONTAINER_EXITED, status(id).getState());
        }
        rt().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
        assertEquals(PodSandboxState.SANDBOX_NOTREADY, rt().podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                .setPodSandboxId(podId).build()).getStatus().getState());
        for (String id : List.of(app1Id, sidecarId)) {
            rt().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
        }
        rt().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
        assertEquals(List.of(), listPods(PodSandboxFilter.newBuilder()));
        assertEquals(List.of(), listContainers(ContainerFilter.newBuilder()));
        assertFalse(Files.exists(berth.root().resolve("pods").resolve(podId)));
        assertFalse(Files.exists(berth.root().resolve("cni").resolve(podId + ".json")), "the CNI cache entry");
        assertTrue(ipamFiles().stream().noneMatch(f -> read(Path.of(f)).contains(podId)), "the IPAM lease");
        assertTrue(read(appLog).contains("app started"), "the log outlives the container, for kubelet to rotate");

        // kubelet retries after a restart and races its own GC: the ids are gone now
        answersUnknown(List.of(podId, appId, app1Id));
    }

    @Test
    void unknownIdsOfEveryShapeGetTheCodesTheCriAsks() throws Exception {
        answersUnknown(List.of(UUID.randomUUID().toString(), "../x", "x".repeat(300), "", "f".repeat(64),
                "F00D", "a\0b"));
    }

    /** Stop and Remove of what does not exist succeed; every other call about it is NOT_FOUND. */
    private static void answersUnknown(List<String> ids) throws Exception {
        for (String id : ids) {
            String what = " of " + (id.length() > 20 ? id.length() + " characters" : "'" + id + "'");
            rt().stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(1).build());
            rt().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
            rt().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
            rt().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
            Map<String, Executable> calls = Map.of(
                    "ContainerStatus", () -> rt().containerStatus(ContainerStatusRequest.newBuilder()
                            .setContainerId(id).build()),
                    "PodSandboxStatus", () -> rt().podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                            .setPodSandboxId(id).build()),
                    "ExecSync", () -> rt().execSync(ExecSyncRequest.newBuilder().setContainerId(id).addCmd("true")
                            .build()),
                    "Exec", () -> rt().exec(ExecRequest.newBuilder().setContainerId(id).addCmd("true")
                            .setStdout(true).build()),
                    "Attach", () -> rt().attach(AttachRequest.newBuilder().setContainerId(id).setStdout(true)
                            .build()),
                    "PortForward", () -> rt().portForward(PortForwardRequest.newBuilder().setPodSandboxId(id)
                            .addPort(80).build()),
                    "UpdateContainerResources", () -> rt().updateContainerResources(
                            UpdateContainerResourcesRequest.newBuilder().setContainerId(id).build()),
                    "ContainerStats", () -> rt().containerStats(ContainerStatsRequest.newBuilder()
                            .setContainerId(id).build()),
                    "PodSandboxStats", () -> rt().podSandboxStats(PodSandboxStatsRequest.newBuilder()
                            .setPodSandboxId(id).build()),
                    "ReopenContainerLog", () -> rt().reopenContainerLog(ReopenContainerLogRequest.newBuilder()
                            .setContainerId(id).build()));
            for (Map.Entry<String, Executable> call : calls.entrySet()) {
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call.getValue(),
                        call.getKey() + what);
                assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode(), call.getKey() + what + ": "
                        + e.getStatus());
            }
        }
    }

    @Test
    void refusedSandboxesAndContainersLeaveNoTraceAndUndoNothing() throws Exception {
        String uid = UUID.randomUUID().toString();
        Path logDirectory = Files.createDirectories(work.resolve("refused").resolve(uid));
        PodSandboxConfig good = sandboxConfig(uid, logDirectory);
        LinuxSandboxSecurityContext.Builder groupOnly = good.getLinux().getSecurityContext().toBuilder()
                .clearRunAsUser().setRunAsGroup(Int64Value.newBuilder().setValue(3000));
        Map<String, PodSandboxConfig> refusedPods = Map.of(
                "run_as_group needs run_as_user", good.toBuilder().setLinux(good.getLinux().toBuilder()
                        .setSecurityContext(groupOnly)).build(),
                "hostname", good.toBuilder().setHostname("h".repeat(65)).build(),
                "metadata.name", good.toBuilder().setMetadata(good.getMetadata().toBuilder()
                        .setName("p".repeat(254))).build(),
                "log_directory", good.toBuilder().setLogDirectory(logDirectory.resolve("d".repeat(256)).toString())
                        .build(),
                "labels", good.toBuilder().putLabels("big", "v".repeat(2 * 1024 * 1024)).build());
        // What only the infra container's spec can tell: checked before the netns, CNI ADD and the cgroup.
        Map<String, PodSandboxConfig> refusedSpecs = Map.of(
                "sysctl kernel.panic", withSysctl(good, "kernel.panic", NamespaceMode.POD, NamespaceMode.POD),
                "sysctl net.ipv4.no_such_sysctl", withSysctl(good, "net.ipv4.no_such_sysctl", NamespaceMode.POD,
                        NamespaceMode.POD),
                "sysctl net.ipv4.ip_unprivileged_port_start", withSysctl(good, "net.ipv4.ip_unprivileged_port_start",
                        NamespaceMode.NODE, NamespaceMode.POD),
                "sysctl kernel.shm_rmid_forced", withSysctl(good, "kernel.shm_rmid_forced", NamespaceMode.POD,
                        NamespaceMode.NODE));
        Trace before = Trace.take();
        for (Map.Entry<String, PodSandboxConfig> c : refusedSpecs.entrySet()) {
            refused(c.getKey(), () -> rt().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(c.getValue())
                    .build()));
        }
        for (Map.Entry<String, PodSandboxConfig> c : refusedPods.entrySet()) {
            refused(c.getKey(), () -> rt().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(c.getValue())
                    .build()));
        }
        before.assertLeftAsIs(Trace.take(), "a refused RunPodSandbox left something behind");

        String podId = rt().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(good).build())
                .getPodSandboxId();
        ContainerConfig app = containerConfig(uid, APP, 0, BUILTIN_IMAGE, "sleep", "3600");
        Map<String, ContainerConfig> refusedContainers = Map.of(
                "run_as_group needs", app.toBuilder().setLinux(app.getLinux().toBuilder().setSecurityContext(
                        app.getLinux().getSecurityContext().toBuilder()
                                .setRunAsGroup(Int64Value.newBuilder().setValue(3000)))).build(),
                "metadata.name", app.toBuilder().setMetadata(ContainerMetadata.newBuilder()
                        .setName("c".repeat(254))).build(),
                "config.log_path", app.toBuilder().setLogPath("l".repeat(256) + "/0.log").build(),
                // checked against the image's layers before its rootfs is mounted
                "no user \"no-such-user\" in the image's /etc/passwd", app.toBuilder().setLinux(app.getLinux()
                        .toBuilder().setSecurityContext(app.getLinux().getSecurityContext().toBuilder()
                                .setRunAsUsername("no-such-user"))).build(),
                "working directory /etc/passwd/data: /etc/passwd is not a directory in the image",
                app.toBuilder().setWorkingDir("/etc/passwd/data").build());
        Trace withPod = Trace.take();
        for (Map.Entry<String, ContainerConfig> c : refusedContainers.entrySet()) {
            refused(c.getKey(), () -> createContainer(podId, good, c.getValue()));
        }
        refused("no such image for an image volume: localhost/no-such-volume:1", Status.Code.NOT_FOUND,
                () -> createContainer(podId, good, app.toBuilder().addMounts(Mount.newBuilder()
                        .setContainerPath("/volume").setImage(ImageSpec.newBuilder()
                                .setImage("localhost/no-such-volume:1"))).build()));
        withPod.assertLeftAsIs(Trace.take(), "a refused CreateContainer left something behind");
        assertEquals(List.of(), listContainers(ContainerFilter.newBuilder()));
    }

    private static void refused(String field, Executable call) {
        refused(field, Status.Code.INVALID_ARGUMENT, call);
    }

    private static void refused(String field, Status.Code code, Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call, field);
        assertEquals(code, e.getStatus().getCode(), field + ": " + e.getStatus());
        assertTrue(e.getStatus().getDescription().contains(field), field + ": " + e.getStatus());
    }

    /** The pod with sysctl {@code name} = 1, in the host's or its own network and IPC namespaces. */
    private static PodSandboxConfig withSysctl(PodSandboxConfig pod, String name, NamespaceMode network,
                                               NamespaceMode ipc) {
        LinuxPodSandboxConfig.Builder linux = pod.getLinux().toBuilder().putSysctls(name, "1");
        linux.getSecurityContextBuilder().getNamespaceOptionsBuilder().setNetwork(network).setIpc(ipc);
        return pod.toBuilder().setLinux(linux).build();
    }

    /**
     * What a request could leave behind: berthd's directories (pods, containers, the CNI cache, netns, shims),
     * the IPAM leases, this daemon's cgroups in every hierarchy (a container's lies 4 levels below the parent:
     * kubepods/besteffort/pod-UID/ID), the mounts below the test's directories (rootfs overlays, pinned netns),
     * and the daemon log's undo and rollback warnings.
     */
    private record Trace(TreeSet<String> paths, List<String> mounts, List<String> undoLines) {
        static Trace take() throws IOException {
            TreeSet<String> paths = new TreeSet<>(ipamFiles());
            List<Path> dirs = new ArrayList<>(List.of(berth.root(), berth.runRoot()));
            try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
                hierarchies.forEach(h -> dirs.add(h.resolve(berth.cgroupParent())));
            }
            for (Path dir : dirs) {
                if (Files.isDirectory(dir)) {
                    try (Stream<Path> walk = Files.walk(dir, 6)) {
                        // The image store is a cache of every request's (the pause image is made on the first
                        // RunPodSandbox, refused or not), not a request's own.
                        walk.filter(p -> !p.startsWith(berth.root().resolve("images")))
                                .filter(p -> !p.startsWith("/sys") || Files.isDirectory(p))
                                .forEach(p -> paths.add(p.toString()));
                    }
                }
            }
            List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .map(l -> l.split(" ")[4])
                    .filter(m -> m.startsWith(berth.base().toString()) || m.startsWith(work.toString()))
                    .sorted().toList();
            List<String> undo = berth.daemonLog().lines().filter(l -> l.contains("undoing")
                    || l.contains("cleaning up") || l.toLowerCase().contains("rollback")
                    || l.contains("WARN") && (l.contains("pod ") || l.contains("container "))
                    // an advice given with every container while berth-viewfs does not serve, not an undo
                    && !l.contains("no resource views")).toList();
            return new Trace(paths, mounts, undo);
        }

        /** Fails naming what {@code after} has that this trace had not, and what went. */
        void assertLeftAsIs(Trace after, String what) {
            TreeSet<String> added = new TreeSet<>(after.paths);
            added.removeAll(paths);
            TreeSet<String> gone = new TreeSet<>(paths);
            gone.removeAll(after.paths);
            assertEquals(this, after, what + ": paths added " + added + ", gone " + gone + "; mounts before "
                    + mounts + ", after " + after.mounts + "; undo lines " + after.undoLines);
        }
    }

    private static List<String> ipamFiles() {
        Path ipam = work.resolve("ipam");
        if (!Files.isDirectory(ipam)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(ipam)) {
            return walk.filter(Files::isRegularFile).map(Path::toString)
                    .filter(p -> !p.endsWith("/lock")).sorted().toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> sortedOf(String... ids) {
        List<String> out = new ArrayList<>(List.of(ids));
        out.sort(null);
        return out;
    }
}
