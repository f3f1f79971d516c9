package dev.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.cri.v1.*;
import dev.berth.daemon.streaming.SpdyTestClient;
import dev.berth.daemon.streaming.WsTestClient;
import dev.berth.it.support.BerthHarness;
import dev.berth.it.support.CriChannel;
import dev.berth.it.support.CriFixture;
import dev.berth.testing.Await;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * kubelet's side of the CRI, played by a Java gRPC client against a real berthd: pods on a real CNI bridge,
 * real runc containers from the built-in busybox image, real cgroups.
 */
class CriPodsIT {
    private static final String IMAGE = "localhost/busybox:latest";
    private static final CriFixture fixture = new CriFixture();
    private static BerthHarness berth;
    private static String bridge;
    private static String subnetPrefix;
    private static Path wrapperLog;
    private static CriChannel cri;
    private static RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime;
    private static RuntimeServiceGrpc.RuntimeServiceStub asyncRuntime;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/lib/cni/bridge")), "needs containernetworking-plugins");
        int third = ThreadLocalRandom.current().nextInt(2, 250);
        bridge = fixture.bridge("bit" + third + "x" + ThreadLocalRandom.current().nextInt(1000));
        subnetPrefix = "10.243." + third + ".";
        Path cni = fixture.tempDirectory("berth-it-cni");
        Files.writeString(cni.resolve("10-it.conflist"), """
                {"cniVersion": "1.0.0", "name": "%s", "plugins": [
                  {"type": "bridge", "bridge": "%s", "isGateway": true, "ipMasq": false, "hairpinMode": true,
                   "ipam": {"type": "host-local", "ranges": [[{"subnet": "%s0/24"}]],
                            "dataDir": "%s"}},
                  {"type": "portmap", "capabilities": {"portMappings": true}}]}
                """.formatted(bridge, bridge, subnetPrefix, cni.resolve("ipam")));
        // A second runtime handler: runc behind a wrapper that records how it was called.
        wrapperLog = cni.resolve("wrapper.log");
        Path wrapper = cni.resolve("runc-wrapper");
        Files.writeString(wrapper, "#!/bin/sh\necho \"$@\" >> " + wrapperLog + "\nexec /usr/sbin/runc \"$@\"\n");
        wrapper.toFile().setExecutable(true);
        berth = new BerthHarness(List.of("cni_conf_dir = \"" + cni + "\"", "[runtimes]",
                "wrapped = \"" + wrapper + "\""));
        cri = fixture.connect(berth);
        runtime = cri.runtime();
        asyncRuntime = cri.asyncRuntime();
    }

    @AfterAll
    static void stop() throws Exception {
        fixture.close();
    }

    private static RuntimeServiceGrpc.RuntimeServiceBlockingStub rt() {
        return runtime.withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private static PodSandboxConfig.Builder podConfig(String name) {
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("default")
                        .setUid("uid-" + name).setAttempt(0))
                .setHostname(name)
                .setLogDirectory(berth.base().resolve("logs/" + name).toString())
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent(berth.cgroupParent() + "/pod-" + name))
                .putLabels("app", name);
    }

    private static String runPod(PodSandboxConfig config) {
        return rt().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config).build()).getPodSandboxId();
    }

    private static String createContainer(String podId, PodSandboxConfig pod, ContainerConfig.Builder c) {
        return rt().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(podId)
                .setConfig(c).setSandboxConfig(pod).build()).getContainerId();
    }

    private static ContainerConfig.Builder container(String name, String... cmd) {
        return ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(IMAGE))
                .addAllCommand(List.of(cmd))
                .setLogPath(name + ".log");
    }

    private static void start(String id) {
        rt().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
    }

    private static ExecSyncResponse exec(String id, String... cmd) {
        return rt().execSync(ExecSyncRequest.newBuilder().setContainerId(id).addAllCmd(List.of(cmd)).setTimeout(20)
                .build());
    }

    private static ContainerStatus status(String id) {
        return rt().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build()).getStatus();
    }

    private static PodSandboxStatus podStatus(String id) {
        return rt().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build()).getStatus();
    }

    private static void removePod(String id) {
        rt().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        rt().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    }

    @AfterEach
    void noPodLeft() {
        // Each test removes its pods; a leftover would make the next one's counts wrong.
        fixture.removeAllPods();
    }

    @Test
    void twoContainersShareThePodNetworkAndDnsAndHostname() throws Exception {
        PodSandboxConfig pod = podConfig("web").setDnsConfig(DNSConfig.newBuilder().addServers("10.0.0.10")
                .addSearches("default.svc.cluster.local").addOptions("ndots:5")).build();
        String podId = runPod(pod);
        PodSandboxStatus ps = podStatus(podId);
        assertEquals(PodSandboxState.SANDBOX_READY, ps.getState());
        assertTrue(ps.getNetwork().getIp().startsWith(subnetPrefix), ps.getNetwork().getIp());

        String server = createContainer(podId, pod, container("server", "sh", "-c",
                "mkdir -p /www && echo hello-from-server > /www/index.html && exec httpd -f -p 8080 -h /www"));
        start(server);
        String client = createContainer(podId, pod, container("client", "sleep", "3600"));
        start(client);
        assertEquals(ContainerState.CONTAINER_RUNNING, status(client).getState());

        assertTrue(Await.eventually(() -> exec(client, "wget", "-q", "-O", "-",
                "http://127.0.0.1:8080/index.html").getStdout().toStringUtf8().contains("hello-from-server"), 10_000));
        String addr = exec(client, "ip", "-4", "addr", "show", "eth0").getStdout().toStringUtf8();
        assertTrue(addr.contains(ps.getNetwork().getIp() + "/24"), addr);
        String resolv = exec(client, "cat", "/etc/resolv.conf").getStdout().toStringUtf8();
        assertTrue(resolv.contains("nameserver 10.0.0.10"), resolv);
        assertTrue(resolv.contains("search default.svc.cluster.local"), resolv);
        assertTrue(resolv.contains("options ndots:5"), resolv);
        assertEquals("web", exec(client, "hostname").getStdout().toStringUtf8().strip());

        ListContainersResponse listed = rt().listContainers(ListContainersRequest.newBuilder()
                .setFilter(ContainerFilter.newBuilder().setPodSandboxId(podId)).build());
        assertEquals(2, listed.getContainersCount(), "the infra container is not listed");
        removePod(podId);
        assertEquals(0, rt().listContainers(ListContainersRequest.getDefaultInstance()).getContainersCount());
    }

    @Test
    void aPortMappingReachesTheContainerFromTheHost() throws Exception {
        int hostPort = ThreadLocalRandom.current().nextInt(20_000, 30_000);
        PodSandboxConfig pod = podConfig("ports").addPortMappings(PortMapping.newBuilder()
                .setProtocol(Protocol.TCP).setContainerPort(8080).setHostPort(hostPort)).build();
        String podId = runPod(pod);
        String server = createContainer(podId, pod, container("server", "sh", "-c",
                "mkdir -p /www && echo mapped > /www/index.html && exec httpd -f -p 8080 -h /www"));
        start(server);
        String gateway = subnetPrefix + "1";
        assertTrue(Await.eventually(() -> httpGet(gateway, hostPort).contains("mapped"), 10_000),
                "GET http://" + gateway + ":" + hostPort + " through portmap");
        removePod(podId);
    }

    private static String httpGet(String host, int port) {
        try (Socket s = new Socket(host, port)) {
            s.setSoTimeout(2000);
            s.getOutputStream().write("GET /index.html HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void execAttachAndPortForwardStreamOverWebSocketAndSpdy() throws Exception {
        PodSandboxConfig pod = podConfig("stream").build();
        String podId = runPod(pod);
        String server = createContainer(podId, pod, container("server", "sh", "-c",
                "mkdir -p /www && echo forwarded > /www/index.html && exec httpd -f -p 8080 -h /www"));
        start(server);
        String talker = createContainer(podId, pod, container("talker", "sh", "-c",
                "while read l; do echo got:$l; done").setStdin(true));
        start(talker);
        EventLoopGroup clients = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            String wsExec = rt().exec(ExecRequest.newBuilder().setContainerId(server).addAllCmd(List.of("sh", "-c",
                    "read l; echo out:$l; echo err:$l >&2; exit 3")).setStdin(true).setStdout(true).setStderr(true)
                    .build()).getUrl();
            assertTrue(wsExec.startsWith("http://127.0.0.1:"), wsExec);
            try (WsTestClient ws = WsTestClient.connect(clients, wsExec, "v5.channel.k8s.io")) {
                ws.send(0, "ws\n");
                Map<Integer, String> got = ws.awaitClosed();
                assertEquals("out:ws\n", got.get(1));
                assertEquals("err:ws\n", got.get(2));
                assertTrue(got.get(3).contains("NonZeroExitCode") && got.get(3).contains("\"3\""), got.get(3));
            }
            String spdyExec = rt().exec(ExecRequest.newBuilder().setContainerId(server).addAllCmd(List.of("cat"))
                    .setStdin(true).setStdout(true).build()).getUrl();
            try (SpdyTestClient c = SpdyTestClient.connect(clients, spdyExec, "v4.channel.k8s.io").client()) {
                int stdin = c.open(Map.of("streamtype", "stdin"));
                int stdout = c.open(Map.of("streamtype", "stdout"));
                int error = c.open(Map.of("streamtype", "error"));
                c.send(stdin, "spdy", true);
                assertEquals("spdy", c.awaitFin(stdout));
                assertEquals("{\"metadata\":{},\"status\":\"Success\"}", c.awaitFin(error));
            }
            String attach = rt().attach(AttachRequest.newBuilder().setContainerId(talker).setStdin(true)
                    .setStdout(true).build()).getUrl();
            try (WsTestClient ws = WsTestClient.connect(clients, attach, "v5.channel.k8s.io")) {
                ws.send(0, "hello\n");
                ws.awaitText(1, "got:hello");
            }
            String wsForward = rt().portForward(PortForwardRequest.newBuilder().setPodSandboxId(podId).build())
                    .getUrl() + "?port=8080";
            try (WsTestClient ws = WsTestClient.connect(clients, wsForward, "v4.channel.k8s.io")) {
                ws.send(0, "GET /index.html HTTP/1.0\r\n\r\n");
                ws.awaitText(0, "forwarded");
            }
            String spdyForward = rt().portForward(PortForwardRequest.newBuilder().setPodSandboxId(podId).build())
                    .getUrl();
            try (SpdyTestClient c = SpdyTestClient.connect(clients, spdyForward, "portforward.k8s.io").client()) {
                c.open(Map.of("streamtype", "error", "port", "8080", "requestid", "0"));
                int data = c.open(Map.of("streamtype", "data", "port", "8080", "requestid", "0"));
                c.send(data, "GET /index.html HTTP/1.0\r\n\r\n", true);
                assertTrue(c.awaitFin(data).contains("forwarded"));
            }
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> rt().exec(
                    ExecRequest.newBuilder().setContainerId("0123456789").addCmd("true").setStdout(true).build()));
            assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        } finally {
            clients.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        removePod(podId);
    }

    @Test
    void logsGoWhereKubeletAsksInCriFormatAndReopenStartsANewFile() throws Exception {
        PodSandboxConfig pod = podConfig("logs").build();
        String podId = runPod(pod);
        String id = createContainer(podId, pod, container("talker", "sh", "-c",
                "i=0; while true; do echo line-$i; i=$((i+1)); sleep 0.2; done"));
        start(id);
        Path log = Path.of(pod.getLogDirectory(), "talker.log");
        assertEquals(log.toString(), status(id).getLogPath());
        assertTrue(Await.eventually(() -> read(log).contains(" stdout F line-1"), 10_000), read(log));
        assertTrue(read(log).lines().allMatch(l -> l.matches("\\S+Z? (stdout|stderr) [PF] .*")), read(log));

        Path rotated = Path.of(log + ".1");
        Files.move(log, rotated);
        rt().reopenContainerLog(ReopenContainerLogRequest.newBuilder().setContainerId(id).build());
        assertTrue(Await.eventually(() -> read(log).contains("line-"), 10_000), "a new log file is written");
        removePod(podId);
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void aContainerOverItsMemoryLimitIsOomKilledWithExit137() {
        PodSandboxConfig pod = podConfig("oom").build();
        String podId = runPod(pod);
        ContainerConfig.Builder c = container("hog", "sh", "-c", "x=$(head -c 200000000 /dev/zero | tr '\\0' a)")
                .setLinux(LinuxContainerConfig.newBuilder().setResources(LinuxContainerResources.newBuilder()
                        .setMemoryLimitInBytes(16 << 20)));
        String id = createContainer(podId, pod, c);
        start(id);
        assertTrue(Await.eventually(() -> status(id).getState() == ContainerState.CONTAINER_EXITED, 30_000));
        ContainerStatus s = status(id);
        assertEquals(137, s.getExitCode());
        assertEquals("OOMKilled", s.getReason());
        assertTrue(s.getFinishedAt() >= s.getStartedAt() && s.getStartedAt() > 0);
        removePod(podId);
    }

    @Test
    void updateContainerResourcesReachesTheCgroup() throws Exception {
        PodSandboxConfig pod = podConfig("upd").build();
        String podId = runPod(pod);
        String id = createContainer(podId, pod, container("c", "sleep", "3600"));
        start(id);
        rt().updateContainerResources(UpdateContainerResourcesRequest.newBuilder().setContainerId(id)
                .setLinux(LinuxContainerResources.newBuilder().setMemoryLimitInBytes(64 << 20)
                        .setCpuQuota(50_000).setCpuPeriod(100_000)).build());
        Path memory = cgroupDir("memory", id);
        assertEquals(String.valueOf(64 << 20), Files.readString(memory.resolve("memory.limit_in_bytes")).strip());
        Path cpu = cgroupDir("cpu", id);
        assertEquals("50000", Files.readString(cpu.resolve("cpu.cfs_quota_us")).strip());
        removePod(podId);
    }

    private static Path cgroupDir(String controller, String id) throws IOException {
        try (Stream<Path> s = Files.walk(Path.of("/sys/fs/cgroup", controller, berth.cgroupParent()))) {
            return s.filter(p -> p.getFileName().toString().equals(id)).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + controller + " cgroup for " + id));
        }
    }

    @Test
    void securityContextDropsCapabilitiesAndAppliesRuntimeDefaultSeccomp() {
        PodSandboxConfig pod = podConfig("sec").build();
        String podId = runPod(pod);
        ContainerConfig.Builder c = container("locked", "sleep", "3600").setLinux(LinuxContainerConfig.newBuilder()
                .setSecurityContext(LinuxContainerSecurityContext.newBuilder()
                        .setCapabilities(Capability.newBuilder().addDropCapabilities("ALL"))
                        .setRunAsUser(Int64Value.newBuilder().setValue(1000))
                        .setNoNewPrivs(true)
                        .setSeccomp(SecurityProfile.newBuilder()
                                .setProfileType(SecurityProfile.ProfileType.RuntimeDefault))));
        String id = createContainer(podId, pod, c);
        start(id);
        String statusFile = exec(id, "cat", "/proc/self/status").getStdout().toStringUtf8();
        assertTrue(statusFile.contains("CapEff:\t0000000000000000"), statusFile);
        assertTrue(statusFile.matches("(?s).*Seccomp:\\s+2.*"), statusFile);
        assertTrue(statusFile.matches("(?s).*Uid:\\s+1000\\s.*"), statusFile);
        assertNotEquals(0, exec(id, "unshare", "-n", "true").getExitCode());
        removePod(podId);
    }

    @Test
    void aDefaultContainerCannotMountWriteProcSysLoadModulesOrReadMaskedFiles() {
        PodSandboxConfig pod = podConfig("confined").build();
        String podId = runPod(pod);
        try {
            String id = createContainer(podId, pod, container("plain", "sleep", "3600")
                    .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(LinuxContainerSecurityContext
                            .newBuilder().setSeccomp(SecurityProfile.newBuilder()
                                    .setProfileType(SecurityProfile.ProfileType.RuntimeDefault)))));
            start(id);
            String statusFile = exec(id, "cat", "/proc/self/status").getStdout().toStringUtf8();
            assertTrue(statusFile.contains("CapBnd:\t00000000a80425fb"), statusFile);
            assertTrue(statusFile.contains("NoNewPrivs:\t1"), statusFile);
            assertEquals("mount: permission denied (are you root?)\n",
                    exec(id, "sh", "-c", "mkdir /m && mount -t tmpfs none /m").getStderr().toStringUtf8());
            assertEquals("sh: can't create /proc/sys/kernel/hostname: Read-only file system\n",
                    exec(id, "sh", "-c", "echo x > /proc/sys/kernel/hostname").getStderr().toStringUtf8());
            assertEquals("insmod: can't insert '/bin/busybox': Operation not permitted\n",
                    exec(id, "insmod", "/bin/busybox").getStderr().toStringUtf8());
            assertEquals("0\n", exec(id, "sh", "-c", "wc -c < /proc/timer_list").getStdout().toStringUtf8());
        } finally {
            removePod(podId);
        }
    }

    @Test
    void runAndCreateRetriedWithTheSameNameGetTheSameObject() {
        PodSandboxConfig pod = podConfig("retry").build();
        String first = runPod(pod);
        assertEquals(first, runPod(pod));
        String c1 = createContainer(first, pod, container("c", "sleep", "3600"));
        assertEquals(c1, createContainer(first, pod, container("c", "sleep", "3600")));
        assertEquals(1, rt().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsCount());
        removePod(first);
    }

    @Test
    void aSharedPidNamespaceShowsThePauseProcessAndSysctlsApplyToThePod() {
        PodSandboxConfig pod = podConfig("pidns").setLinux(LinuxPodSandboxConfig.newBuilder()
                .setCgroupParent(berth.cgroupParent() + "/pod-pidns")
                .putSysctls("net.ipv4.ip_unprivileged_port_start", "80")
                .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                        NamespaceOption.newBuilder().setPid(NamespaceMode.POD)))).build();
        String podId = runPod(pod);
        ContainerConfig.Builder c = container("c", "sleep", "3600").setLinux(LinuxContainerConfig.newBuilder()
                .setSecurityContext(LinuxContainerSecurityContext.newBuilder().setNamespaceOptions(
                        NamespaceOption.newBuilder().setPid(NamespaceMode.POD))));
        String id = createContainer(podId, pod, c);
        start(id);
        assertEquals("/pause", exec(id, "cat", "/proc/1/cmdline").getStdout().toStringUtf8().replace("\0", ""));
        assertEquals("80", exec(id, "cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start").getStdout()
                .toStringUtf8().strip());
        removePod(podId);
    }

    @Test
    void anImageVolumeShowsTheImagesFilesReadOnly() {
        PodSandboxConfig pod = podConfig("imgvol").build();
        String podId = runPod(pod);
        String id = createContainer(podId, pod, container("c", "sleep", "3600").addMounts(Mount.newBuilder()
                .setContainerPath("/iv").setImage(ImageSpec.newBuilder().setImage(IMAGE))));
        start(id);
        assertEquals(0, exec(id, "test", "-x", "/iv/bin/busybox").getExitCode());
        ExecSyncResponse write = exec(id, "touch", "/iv/new-file");
        assertNotEquals(0, write.getExitCode());
        assertTrue(write.getStderr().toStringUtf8().contains("Read-only"), write.getStderr().toStringUtf8());
        assertTrue(status(id).getMountsList().stream().anyMatch(m -> m.getImage().getImage().equals(IMAGE)));
        removePod(podId);
    }

    @Test
    void recursiveReadOnlyMountsAreAdvertisedAndReachEverySubmount() throws Exception {
        StatusResponse s = rt().status(StatusRequest.getDefaultInstance());
        assertEquals(List.of("", "runc", "wrapped"), s.getRuntimeHandlersList().stream()
                .map(RuntimeHandler::getName).toList());
        assertTrue(s.getRuntimeHandlersList().stream().allMatch(h -> h.getFeatures().getRecursiveReadOnlyMounts()),
                s.toString());

        // A host tree with a writable file system mounted below its top, as /proc is below /.
        Path tree = Files.createDirectories(berth.base().resolve("rro-tree/sub"));
        BerthHarness.run("mount", "-t", "tmpfs", "-o", "size=1m", "berth-it-rro", tree.toString());
        try {
            PodSandboxConfig pod = podConfig("rro").build();
            String podId = runPod(pod);
            Mount.Builder readOnly = Mount.newBuilder().setHostPath(tree.getParent().toString()).setContainerPath("/v")
                    .setReadonly(true);
            String recursive = createContainer(podId, pod, container("rro", "sleep", "3600")
                    .addMounts(readOnly.clone().setRecursiveReadOnly(true)));
            String plain = createContainer(podId, pod, container("ro", "sleep", "3600").addMounts(readOnly.clone()));
            start(recursive);
            start(plain);
            for (String id : List.of(recursive, plain)) {
                ExecSyncResponse top = exec(id, "touch", "/v/x");
                assertTrue(top.getStderr().toStringUtf8().contains("Read-only file system"), top.toString());
            }
            ExecSyncResponse below = exec(recursive, "touch", "/v/sub/x");
            assertTrue(below.getStderr().toStringUtf8().contains("Read-only file system"), below.toString());
            // containerd's meaning, which kubelet expects: plain readonly leaves submounts as they are.
            assertEquals(0, exec(plain, "touch", "/v/sub/x").getExitCode());
            assertTrue(status(recursive).getMountsList().get(0).getRecursiveReadOnly());

            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> createContainer(podId, pod,
                    container("rw", "true").addMounts(readOnly.clone().setReadonly(false).setRecursiveReadOnly(true))));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("config.mounts.recursive_read_only"),
                    e.getStatus().getDescription());
            e = assertThrows(StatusRuntimeException.class, () -> createContainer(podId, pod, container("slave", "true")
                    .addMounts(readOnly.clone().setRecursiveReadOnly(true)
                            .setPropagation(MountPropagation.PROPAGATION_HOST_TO_CONTAINER))));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
            removePod(podId);
        } finally {
            BerthHarness.run("umount", tree.toString());
        }
    }

    @Test
    void aHostNetworkPodSeesTheHostsInterfacesAndGetsNoCniAddress() throws Exception {
        PodSandboxConfig pod = podConfig("hostnet").setLinux(LinuxPodSandboxConfig.newBuilder()
                .setCgroupParent(berth.cgroupParent() + "/pod-hostnet")
                .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                        NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE)))).build();
        String podId = runPod(pod);
        assertEquals("", podStatus(podId).getNetwork().getIp());
        String id = createContainer(podId, pod, container("c", "sleep", "3600"));
        start(id);
        // The host's default-route interface is stable while other tests add and remove veths.
        String hostInterface = Files.readAllLines(Path.of("/proc/net/route")).stream()
                .map(l -> l.split("\\s+")).filter(f -> f.length > 1 && f[1].equals("00000000")).map(f -> f[0])
                .findFirst().orElse("lo");
        assertTrue(interfaces(exec(id, "cat", "/proc/net/dev").getStdout().toStringUtf8()).contains(hostInterface));
        removePod(podId);
    }

    private static java.util.Set<String> interfaces(String procNetDev) {
        return procNetDev.lines().filter(l -> l.contains(":")).map(l -> l.substring(0, l.indexOf(':')).strip())
                .collect(java.util.stream.Collectors.toSet());
    }

    @Test
    void aPodRunsUnderTheRuntimeHandlerItAsksFor() throws Exception {
        PodSandboxConfig pod = podConfig("handler").build();
        String podId = rt().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod)
                .setRuntimeHandler("wrapped").build()).getPodSandboxId();
        assertEquals("wrapped", podStatus(podId).getRuntimeHandler());
        String id = createContainer(podId, pod, container("c", "sleep", "3600"));
        start(id);
        assertEquals(ContainerState.CONTAINER_RUNNING, status(id).getState());
        String calls = Files.readString(wrapperLog);
        assertTrue(calls.contains("start " + id), calls);
        assertTrue(calls.lines().anyMatch(l -> l.contains("create") && l.contains(id)), calls);
        removePod(podId);
    }

    @Test
    void stopAndRemoveAreIdempotentAndUnknownIdsAreFine() {
        PodSandboxConfig pod = podConfig("idem").build();
        String podId = runPod(pod);
        String id = createContainer(podId, pod, container("c", "sleep", "3600"));
        start(id);
        for (int i = 0; i < 2; i++) {
            rt().stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(1).build());
        }
        assertEquals(ContainerState.CONTAINER_EXITED, status(id).getState());
        for (int i = 0; i < 2; i++) {
            rt().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
        }
        removePod(podId);
        removePod(podId);
        rt().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId("f00dfeed").build());
        rt().removeContainer(RemoveContainerRequest.newBuilder().setContainerId("f00dfeed").build());
    }

    @Test
    void badInputGetsStatusCodesAndLeavesNothing() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> rt().runPodSandbox(
                RunPodSandboxRequest.newBuilder().setConfig(PodSandboxConfig.getDefaultInstance()).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        e = assertThrows(StatusRuntimeException.class, () -> rt().runPodSandbox(RunPodSandboxRequest.newBuilder()
                .setConfig(podConfig("handler")).setRuntimeHandler("kata").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        e = assertThrows(StatusRuntimeException.class, () -> status("0123456789"));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        e = assertThrows(StatusRuntimeException.class, () -> rt().createContainer(CreateContainerRequest.newBuilder()
                .setPodSandboxId("0123456789").setConfig(container("x", "true")).build()));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());

        PodSandboxConfig pod = podConfig("bad").build();
        String podId = runPod(pod);
        e = assertThrows(StatusRuntimeException.class, () -> createContainer(podId, pod,
                container("noimage", "true").setImage(ImageSpec.newBuilder().setImage("localhost/nope:1"))));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        e = assertThrows(StatusRuntimeException.class, () -> createContainer(podId, pod,
                container("badmount", "true").addMounts(Mount.newBuilder().setHostPath("/does/not/exist")
                        .setContainerPath("/x"))));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals(0, rt().listContainers(ListContainersRequest.getDefaultInstance()).getContainersCount(),
                "no half-made container");
        assertEquals(1, rt().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsCount(),
                "no half-made pod");
        removePod(podId);
    }

    @Test
    void containerEventsStreamTheLifecycle() throws Exception {
        BlockingQueue<ContainerEventResponse> events = new LinkedBlockingQueue<>();
        io.grpc.Context.CancellableContext ctx = io.grpc.Context.current().withCancellation();
        Iterator<ContainerEventResponse>[] it = new Iterator[1];
        Thread reader = new Thread(() -> ctx.run(() -> {
            try {
                it[0] = runtime.getContainerEvents(GetEventsRequest.getDefaultInstance());
                it[0].forEachRemaining(events::add);
            } catch (StatusRuntimeException ignored) {
                // cancelled at the end of the test
            }
        }));
        reader.start();
        PodSandboxConfig pod = podConfig("events").build();
        String podId = runPod(pod);
        // The subscription has no answer of its own: it is in place once a probe container's event comes.
        List<String> probes = new ArrayList<>();
        Await.until("the event stream carries events", 60_000, () -> {
            probes.add(createContainer(podId, pod, container("probe-" + probes.size(), "true")));
            return events.stream().anyMatch(e -> probes.contains(e.getContainerId()));
        });
        String id = createContainer(podId, pod, container("c", "sleep", "3600"));
        start(id);
        rt().stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(0).build());
        rt().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
        List<ContainerEventType> expected = List.of(ContainerEventType.CONTAINER_CREATED_EVENT,
                ContainerEventType.CONTAINER_STARTED_EVENT, ContainerEventType.CONTAINER_STOPPED_EVENT,
                ContainerEventType.CONTAINER_DELETED_EVENT);
        for (ContainerEventType type : expected) {
            ContainerEventResponse e;
            do {
                e = events.poll(10, TimeUnit.SECONDS);
                assertTrue(e != null, "no " + type + " event");
            } while (!e.getContainerId().equals(id));
            assertEquals(type, e.getContainerEventType());
            assertEquals(podId, e.getPodSandboxStatus().getId());
        }
        ctx.cancel(null);
        removePod(podId);
    }

    @Test
    void podsAndContainersSurviveADaemonRestart() throws Exception {
        PodSandboxConfig pod = podConfig("restart").build();
        String podId = runPod(pod);
        String ip = podStatus(podId).getNetwork().getIp();
        String id = createContainer(podId, pod, container("c", "sleep", "3600"));
        start(id);
        berth.killDaemon();
        berth.startDaemon();
        assertTrue(Await.eventually(() -> {
            try {
                return podStatus(podId).getState() == PodSandboxState.SANDBOX_READY;
            } catch (StatusRuntimeException e) {
                return false;
            }
        }, 20_000));
        assertEquals(ip, podStatus(podId).getNetwork().getIp());
        assertEquals(ContainerState.CONTAINER_RUNNING, status(id).getState());
        assertEquals(0, exec(id, "true").getExitCode());
        removePod(podId);
        assertFalse(Files.exists(berth.root().resolve("pods").resolve(podId)));
    }
}
