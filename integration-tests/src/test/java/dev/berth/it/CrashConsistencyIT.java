package dev.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.cri.v1.LinuxPodSandboxConfig;
import dev.berth.cri.v1.ListPodSandboxRequest;
import dev.berth.cri.v1.PodSandbox;
import dev.berth.cri.v1.PodSandboxConfig;
import dev.berth.cri.v1.PodSandboxMetadata;
import dev.berth.cri.v1.PodSandboxState;
import dev.berth.cri.v1.RemovePodSandboxRequest;
import dev.berth.cri.v1.RunPodSandboxRequest;
import dev.berth.cri.v1.RuntimeServiceGrpc;
import dev.berth.cri.v1.StopPodSandboxRequest;
import dev.berth.daemon.container.ContainerPaths;
import dev.berth.it.support.BerthHarness;
import dev.berth.it.support.ImageStoreFiles;
import dev.berth.it.support.TestRegistry;
import dev.berth.oci.failpoint.FailPoints;
import dev.berth.testing.Await;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Crash consistency by fault injection: for every fail point berthd has ({@link FailPoints#NAMES}) and each
 * trial, a fresh berthd armed with {@code BERTH_FAILPOINT} runs the operation through that point and dies
 * there by SIGKILL; a restarted berthd must then show every container and pod the client was told of in its
 * true state, hold no orphan (shim, runc state, cgroup in any hierarchy, overlay mount, netns, CNI address,
 * container or pod directory, unreferenced blob or layer), and the operation retried must succeed.
 * Trials per point: {@code -Dberth.faultinj.trials} (default 1; {@code make soak} runs more);
 * {@code -Dberth.faultinj.steps=REGEX} narrows the points.
 */
class CrashConsistencyIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TRIALS = Integer.getInteger("berth.faultinj.trials", 1);
    private static final String STEPS = System.getProperty("berth.faultinj.steps", ".*");
    private static final String POD = "crashpod";
    private static final String CTR = "crashctr";

    private static Path work;
    private static String bridge;
    private static Path ipamDir;
    private static List<String> daemonConfig;
    private static TestRegistry registry;
    private static String pullRef;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/lib/cni/bridge")), "needs containernetworking-plugins");
        assumeTrue(Files.isDirectory(BerthHarness.REPO.resolve("build/images/busybox")),
                "build the built-in image first (build/images/busybox)");
        work = Files.createTempDirectory(Path.of("/tmp"), "bfi");
        int third = ThreadLocalRandom.current().nextInt(2, 250);
        bridge = "bfi" + third + "x" + ThreadLocalRandom.current().nextInt(1000);
        ipamDir = work.resolve("ipam");
        Path cni = work.resolve("cni");
        Files.createDirectories(cni);
        Files.writeString(cni.resolve("10-fi.conflist"), """
                {"cniVersion": "1.0.0", "name": "%s", "plugins": [
                  {"type": "bridge", "bridge": "%s", "isGateway": true, "ipMasq": false,
                   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.244.%d.0/24"}]], "dataDir": "%s"}}]}
                """.formatted(bridge, bridge, third, ipamDir));
        daemonConfig = List.of("cni_conf_dir = \"" + cni + "\"");
        if (Stream.of("docker-registry", "skopeo", "umoci", "tar").allMatch(BerthHarness::onPath)) {
            registry = TestRegistry.start(work);
            Path layout = work.resolve("layout");
            BerthHarness.run("cp", "-a", BerthHarness.REPO.resolve("build/images/busybox").toString(), layout.toString());
            // A layer the built-in image lacks, so that a pull downloads and unpacks something.
            Path tree = work.resolve("tree/crash");
            Files.createDirectories(tree);
            Files.writeString(tree.resolve("file"), "crash consistency\n");
            BerthHarness.run("tar", "-C", tree.getParent().toString(), "-cf", work.resolve("crash.tar").toString(), "crash");
            BerthHarness.run("umoci", "raw", "add-layer", "--image", layout + ":latest", work.resolve("crash.tar").toString());
            registry.push(layout, "crash:v1");
            pullRef = registry.host() + "/crash:v1";
        } else {
            System.out.println("fault-injection: docker-registry, skopeo, umoci or tar missing: pull steps skipped");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (registry != null) {
            registry.close();
        }
        if (bridge != null) {
            BerthHarness.run("ip", "link", "del", bridge);
        }
        if (work != null) {
            BerthHarness.run("rm", "-rf", work.toString());
        }
    }

    @Test
    void everyFailPointLeavesAConsistentDaemonAndTheOperationCanBeRetried() throws Exception {
        List<String> steps = FailPoints.NAMES.stream().filter(s -> s.matches(STEPS))
                .filter(s -> pullRef != null || !s.startsWith("pull.")).toList();
        List<String> violations = new ArrayList<>();
        long started = System.nanoTime();
        for (int trial = 0; trial < TRIALS; trial++) {
            for (String step : steps) {
                List<String> found;
                try {
                    found = runOnce(step);
                } catch (Throwable t) {
                    t.printStackTrace(System.out);
                    found = List.of(t.toString());
                }
                int t = trial;
                found.forEach(v -> violations.add(step + " trial " + t + ": " + v));
                System.out.println("fault-injection: " + step + " trial " + trial + ": "
                        + (found.isEmpty() ? "ok" : found));
            }
        }
        System.out.println("fault-injection: " + steps.size() + " steps x " + TRIALS + " trials = "
                + steps.size() * TRIALS + " runs, " + violations.size() + " violations ("
                + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started) + " s)");
        assertEquals(List.of(), violations);
    }

    /** One crash at {@code step}: set up, operate until berthd dies, restart, check, retry, check again. */
    private List<String> runOnce(String step) throws Exception {
        List<String> violations = new ArrayList<>();
        BerthHarness berth = new BerthHarness(daemonConfig, Map.of(FailPoints.ENV, step));
        Cri cri = new Cri(berth);
        try {
            Scenario scenario = scenario(step.substring(0, step.indexOf('.')), berth, cri);
            scenario.setUp();
            boolean failed = scenario.operate();
            int exit = berth.awaitDaemonExit(60);
            if (exit != 137) {
                violations.add("berthd did not die by SIGKILL at the fail point (exit " + exit + ")");
                return violations;
            }
            if (!failed) {
                violations.add("the client was told the operation succeeded");
            }
            cri.close();
            berth.startDaemon();
            cri = new Cri(berth);
            violations.addAll(consistent(berth, cri, scenario.toldContainers(), scenario.toldPods()));
            scenario.retry();
            violations.addAll(consistent(berth, cri, Set.of(), Set.of()).stream().map(v -> "after the retry: " + v)
                    .toList());
            return violations;
        } finally {
            try {
                if (berth.awaitDaemonExit(0) == -1) {
                    cri.removeAllPods();
                }
            } finally {
                cri.close();
                berth.close();
                // What a failed run leaked must not count again against the next one.
                for (Path file : list(ipamDir.resolve(bridge))) {
                    if (!file.getFileName().toString().equals("lock")) {
                        Files.delete(file);
                    }
                }
            }
        }
    }

    /** The invariants, polled for a while: recovery finishes some clean-up (exits, releases) in the background. */
    private static List<String> consistent(BerthHarness berth, Cri cri, Set<String> toldContainers,
            Set<String> toldPods) throws Exception {
        return Await.lastValue(() -> violations(berth, cri, toldContainers, toldPods), List::isEmpty, 15_000);
    }

    private static List<String> violations(BerthHarness berth, Cri cri, Set<String> toldContainers,
            Set<String> toldPods) throws Exception {
        List<String> v = new ArrayList<>();
        // The REST API through curl, not the CLI: a JVM start per call would make the polling slow.
        Map<String, JsonNode> containers = new HashMap<>();
        for (JsonNode summary : api(berth, "/v1/containers?all=true")) {
            String id = summary.get("id").asText();
            containers.put(id, api(berth, "/v1/containers/" + id));
        }
        Set<String> names = new HashSet<>();
        containers.values().forEach(c -> names.add(c.get("name").asText()));
        toldContainers.stream().filter(n -> !names.contains(n)).forEach(n -> v.add("container " + n + " is gone"));
        Map<String, PodSandbox> pods = new HashMap<>();
        try {
            cri.list().forEach(p -> pods.put(p.getId(), p));
        } catch (StatusRuntimeException e) {
            // berthd serves REST a moment before CRI: the caller polls again.
            return List.of("CRI not answering: " + e.getStatus());
        }
        toldPods.stream().filter(id -> !pods.containsKey(id)).forEach(id -> v.add("pod " + id + " is gone"));

        Path runc = berth.runRoot().resolve("runc");
        Set<String> live = new HashSet<>();
        List<String> liveCgroups = new ArrayList<>();
        for (JsonNode c : containers.values()) {
            String id = c.get("id").asText();
            String status = c.at("/state/status").asText();
            Path state = runc.resolve(id);
            boolean awaitsStart = Files.exists(state.resolve("exec.fifo"));
            switch (status) {
                case "running" -> {
                    if (!Files.isDirectory(state) || awaitsStart) {
                        v.add("container " + id + " says running, runc says " + (awaitsStart ? "created" : "gone"));
                    }
                    if (!Files.exists(Path.of("/proc/" + c.at("/state/pid").asInt()))) {
                        v.add("container " + id + " says running, its init is gone");
                    }
                }
                case "created" -> {
                    if (!awaitsStart) {
                        v.add("container " + id + " says created, runc has no container waiting for start");
                    }
                }
                case "exited" -> {
                    if (Files.exists(state)) {
                        v.add("container " + id + " exited but runc still holds its state");
                    }
                }
                default -> v.add("container " + id + " is " + status);
            }
            if (status.equals("running") || status.equals("created")) {
                live.add(id);
                liveCgroups.add(strip(c.get("cgroupsPath").asText()));
            }
        }
        Set<String> liveShimKeys = new HashSet<>();
        live.forEach(id -> liveShimKeys.add(ContainerPaths.shimKey(id)));
        Set<String> shims = shimKeys(berth.runRoot().resolve("shims"));
        shims.stream().filter(k -> !liveShimKeys.contains(k)).forEach(k -> v.add("orphan shim " + k));
        liveShimKeys.stream().filter(k -> !shims.contains(k)).forEach(k -> v.add("live container " + k + " has no shim"));
        ImageStoreFiles.entries(runc).stream().filter(id -> !live.contains(id))
                .forEach(id -> v.add("orphan runc state " + id));

        List<String> podParents = pods.values().stream()
                .map(p -> strip(berth.cgroupParent() + "/pod-" + p.getMetadata().getName())).toList();
        for (Path hierarchy : list(Path.of("/sys/fs/cgroup"))) {
            Path top = hierarchy.resolve(berth.cgroupParent());
            if (!Files.isDirectory(top)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(top)) {
                for (Path dir : walk.filter(Files::isDirectory).filter(d -> !d.equals(top)).toList()) {
                    String rel = strip(berth.cgroupParent() + "/" + top.relativize(dir));
                    boolean used = Stream.concat(liveCgroups.stream(), podParents.stream())
                            .anyMatch(p -> p.equals(rel) || p.startsWith(rel + "/"));
                    if (!used) {
                        v.add("orphan cgroup " + dir);
                    }
                }
            }
        }

        Set<String> netns = new HashSet<>();
        pods.keySet().forEach(id -> netns.add("berth-" + id.substring(0, 16)));
        // A container on a bridge network holds its namespace for as long as it exists, running or not.
        containers.values().stream().filter(c -> c.hasNonNull("network") && c.at("/network/name").isTextual())
                .forEach(c -> netns.add("ctr-" + c.get("id").asText().substring(0, 16)));
        Path netnsDir = berth.runRoot().resolve("netns");
        ImageStoreFiles.entries(netnsDir).stream().filter(n -> !netns.contains(n))
                .forEach(n -> v.add("orphan netns " + n));
        Path containersDir = berth.root().resolve("containers");
        // The netns directory itself is a mount (of itself, shared propagation, as ip-netns makes it).
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            Path mountPoint = Path.of(line.split(" ")[4]);
            if (mountPoint.startsWith(containersDir)) {
                String owner = containersDir.relativize(mountPoint).getName(0).toString();
                if (!containers.containsKey(owner)) {
                    v.add("orphan mount " + mountPoint);
                }
            } else if (mountPoint.startsWith(netnsDir) && !mountPoint.equals(netnsDir)
                    && !netns.contains(mountPoint.getFileName().toString())) {
                v.add("orphan netns mount " + mountPoint);
            }
        }
        for (Path file : list(ipamDir.resolve(bridge))) {
            String name = file.getFileName().toString();
            if (name.equals("lock") || name.startsWith("last_reserved_ip")) {
                continue;
            }
            String owner = Files.readAllLines(file).get(0).strip();
            if (!pods.containsKey(owner)) {
                v.add("orphan CNI address " + name + " of " + owner);
            }
        }
        Path networks = berth.root().resolve("networks");
        for (Path network : list(networks.resolve("ipam"))) {
            for (Path file : list(network)) {
                String name = file.getFileName().toString();
                if (name.equals("lock") || name.startsWith("last_reserved_ip")) {
                    continue;
                }
                String owner = Files.readAllLines(file).get(0).strip();
                if (!containers.containsKey(owner)) {
                    v.add("orphan address " + name + " on network " + network.getFileName() + " of " + owner);
                }
            }
        }
        ImageStoreFiles.entries(networks.resolve("attachments")).stream()
                .filter(f -> containers.keySet().stream().noneMatch(f::startsWith))
                .forEach(f -> v.add("orphan network attachment " + f));
        String rules = BerthHarness.run("iptables-save");
        // The plugins' comments name the network and the container: other berthds' networks have other names.
        rules.lines().filter(l -> l.contains("name: \\\"berth\\\" id: \\\""))
                .map(l -> l.replaceAll(".*id: \\\\\"([0-9a-f]+)\\\\\".*", "$1"))
                .filter(id -> id.length() == 64 && !containers.containsKey(id) && !pods.containsKey(id)).distinct()
                .forEach(id -> v.add("orphan iptables rules of " + id));
        ImageStoreFiles.entries(containersDir).stream().filter(id -> !containers.containsKey(id))
                .forEach(id -> v.add("orphan container directory " + id));
        ImageStoreFiles.entries(berth.root().resolve("pods")).stream().filter(id -> !pods.containsKey(id))
                .forEach(id -> v.add("orphan pod directory " + id));
        ImageStoreFiles.entries(berth.root().resolve("cni")).stream()
                .filter(f -> pods.keySet().stream().noneMatch(f::startsWith))
                .forEach(f -> v.add("orphan CNI cache entry " + f));
        Path images = berth.root().resolve("images");
        v.addAll(ImageStoreFiles.differencesFromReferenced(images));
        ImageStoreFiles.entries(images.resolve("tmp")).forEach(f -> v.add("image store tmp/ holds " + f));
        return v;
    }

    private static JsonNode api(BerthHarness berth, String path) throws Exception {
        return JSON.readTree(BerthHarness.run("curl", "-sf", "--unix-socket", berth.socket().toString(), "http://d" + path));
    }

    /** The shim directories (keys) of the shim processes running for this daemon's run root. */
    private static Set<String> shimKeys(Path shimsDir) throws IOException {
        String marker = shimsDir + "/";
        Set<String> keys = new HashSet<>();
        for (Path proc : list(Path.of("/proc"))) {
            if (!proc.getFileName().toString().matches("\\d+")) {
                continue;
            }
            String cmdline;
            try {
                cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
            } catch (IOException gone) {
                continue;
            }
            int at = cmdline.indexOf(marker);
            if (cmdline.contains("berth-shim") && at >= 0) {
                String rest = cmdline.substring(at + marker.length());
                keys.add(rest.split("[/ ]", 2)[0]);
            }
        }
        return keys;
    }

    private static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    private static String strip(String cgroupPath) {
        return cgroupPath.replaceAll("^/+|/+$", "");
    }

    /** One operation under test: what precedes it, the operation, what the client knows, the retry. */
    private interface Scenario {
        default void setUp() throws Exception {
        }

        /** Runs the operation; true when the client saw it fail. */
        boolean operate() throws Exception;

        default Set<String> toldContainers() {
            return Set.of();
        }

        default Set<String> toldPods() {
            return Set.of();
        }

        /** Retries the operation against the restarted daemon and checks that its effect is there. */
        void retry() throws Exception;
    }

    private static Scenario scenario(String group, BerthHarness berth, Cri cri) {
        return switch (group) {
            case "create" -> new Scenario() {
                public boolean operate() throws Exception {
                    return berth.berth("create", "--name", CTR, "busybox", "sleep", "1000").exitCode() != 0;
                }

                public void retry() throws Exception {
                    // A creation that got as far as saving the created state stands, as a completed one would.
                    if (berth.berth("inspect", CTR).exitCode() != 0) {
                        berth.ok("create", "--name", CTR, "busybox", "sleep", "1000");
                    }
                    expectStatus(berth, "created");
                }
            };
            case "start" -> new ContainerScenario(berth, List.of("create", "--name", CTR, "busybox", "sleep", "1000"),
                    List.of("start", CTR)) {
                public void retry() throws Exception {
                    if (!status(berth).equals("running")) {
                        berth.ok("start", CTR);
                    }
                    expectStatus(berth, "running");
                }
            };
            case "exec" -> new ContainerScenario(berth, runDetached(), List.of("exec", CTR, "echo", "hi")) {
                public void retry() throws Exception {
                    assertEquals("hi", berth.ok("exec", CTR, "echo", "hi"));
                }
            };
            case "stop", "exit" -> new ContainerScenario(berth, runDetached(), List.of("stop", "-t", "1", CTR)) {
                public void retry() throws Exception {
                    berth.ok("stop", "-t", "1", CTR);
                    expectStatus(berth, "exited");
                }
            };
            case "rm" -> new ContainerScenario(berth, runDetached(), List.of("rm", "-f", CTR)) {
                public Set<String> toldContainers() {
                    return Set.of();
                }

                public void retry() throws Exception {
                    if (berth.berth("inspect", CTR).exitCode() == 0) {
                        berth.ok("rm", "-f", CTR);
                    }
                    assertEquals("", berth.ok("ps", "-a", "-q"));
                }
            };
            case "pull" -> new Scenario() {
                public boolean operate() throws Exception {
                    return berth.berth("pull", "-q", pullRef).exitCode() != 0;
                }

                public void retry() throws Exception {
                    berth.ok("pull", "-q", pullRef);
                    assertEquals("crash consistency", berth.ok("run", "--rm", pullRef, "cat", "/crash/file"));
                }
            };
            case "pod-run" -> new PodScenario(berth, cri) {
                public void setUp() {
                }

                public boolean operate() {
                    return failed(() -> podId = cri.run(berth));
                }

                public Set<String> toldPods() {
                    return Set.of();
                }

                public void retry() {
                    podId = cri.run(berth);
                    expectPod(PodSandboxState.SANDBOX_READY);
                }
            };
            case "pod-stop" -> new PodScenario(berth, cri) {
                public boolean operate() {
                    return failed(() -> cri.stop(podId));
                }

                public void retry() {
                    cri.stop(podId);
                    expectPod(PodSandboxState.SANDBOX_NOTREADY);
                }
            };
            case "pod-rm" -> new PodScenario(berth, cri) {
                public void setUp() {
                    super.setUp();
                    cri.stop(podId);
                }

                public boolean operate() {
                    return failed(() -> cri.remove(podId));
                }

                public Set<String> toldPods() {
                    return Set.of();
                }

                public void retry() {
                    cri.remove(podId);
                    assertEquals(List.of(), cri.list(), "pods after RemovePodSandbox");
                }
            };
            default -> throw new IllegalArgumentException("no scenario for the fail points of " + group);
        };
    }

    private static List<String> runDetached() {
        return List.of("run", "-d", "--name", CTR, "busybox", "sleep", "1000");
    }

    private static String status(BerthHarness berth) throws Exception {
        JsonNode node = JSON.readTree(berth.ok("inspect", CTR));
        return (node.isArray() ? node.get(0) : node).at("/state/status").asText();
    }

    private static void expectStatus(BerthHarness berth, String want) throws Exception {
        assertEquals(want, status(berth), "status of " + CTR + " after the retry");
    }

    /** A CLI operation on the container {@link #CTR}, which the set-up command made (so the client knows it). */
    private abstract static class ContainerScenario implements Scenario {
        private final BerthHarness berth;
        private final List<String> setUp;
        private final List<String> operation;

        ContainerScenario(BerthHarness berth, List<String> setUp, List<String> operation) {
            this.berth = berth;
            this.setUp = setUp;
            this.operation = operation;
        }

        public void setUp() throws Exception {
            berth.ok(setUp.toArray(String[]::new));
        }

        public boolean operate() throws Exception {
            return berth.berth(operation.toArray(String[]::new)).exitCode() != 0;
        }

        public Set<String> toldContainers() {
            return Set.of(CTR);
        }
    }

    /** A CRI operation on the pod {@link #POD}, run by the set-up (so the client knows it). */
    private abstract static class PodScenario implements Scenario {
        final BerthHarness berth;
        final Cri cri;
        String podId;

        PodScenario(BerthHarness berth, Cri cri) {
            this.berth = berth;
            this.cri = cri;
        }

        public void setUp() {
            podId = cri.run(berth);
        }

        public Set<String> toldPods() {
            return Set.of(podId);
        }

        boolean failed(Runnable call) {
            try {
                call.run();
                return false;
            } catch (StatusRuntimeException e) {
                return true;
            }
        }

        void expectPod(PodSandboxState want) {
            List<PodSandbox> pods = cri.list();
            assertEquals(1, pods.size(), "pods after the retry: " + pods);
            assertEquals(podId, pods.get(0).getId());
            assertEquals(want, pods.get(0).getState());
        }
    }

    /**
     * kubelet's side, as in CriPodsIT; one channel per berthd process, so that a restart is not hidden
     * behind gRPC's reconnect back-off. The channel is opened lazily: a scenario may never need it.
     */
    private static final class Cri implements AutoCloseable {
        private final BerthHarness berth;
        private EventLoopGroup group;
        private ManagedChannel channel;
        private RuntimeServiceGrpc.RuntimeServiceBlockingStub stub;

        Cri(BerthHarness berth) {
            this.berth = berth;
        }

        private RuntimeServiceGrpc.RuntimeServiceBlockingStub rt() {
            if (stub == null) {
                group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
                channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(berth.runRoot().resolve("cri.sock").toFile()))
                        .eventLoopGroup(group).channelType(EpollDomainSocketChannel.class).usePlaintext().build();
                stub = RuntimeServiceGrpc.newBlockingStub(channel);
            }
            // berthd binds the CRI socket a moment after the REST one the harness waits for.
            return stub.withWaitForReady().withDeadlineAfter(60, TimeUnit.SECONDS);
        }

        String run(BerthHarness berth) {
            PodSandboxConfig config = PodSandboxConfig.newBuilder()
                    .setMetadata(PodSandboxMetadata.newBuilder().setName(POD).setNamespace("default")
                            .setUid("uid-" + POD).setAttempt(0))
                    .setHostname(POD)
                    .setLogDirectory(berth.base().resolve("logs/" + POD).toString())
                    .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent(berth.cgroupParent() + "/pod-" + POD))
                    .build();
            return rt().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config).build()).getPodSandboxId();
        }

        void stop(String id) {
            rt().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        }

        void remove(String id) {
            rt().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        }

        List<PodSandbox> list() {
            return rt().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList();
        }

        /** Before the harness removes the rest: pods hold CNI addresses the harness knows nothing of. */
        void removeAllPods() {
            for (PodSandbox p : list()) {
                stop(p.getId());
                remove(p.getId());
            }
        }

        @Override
        public void close() throws InterruptedException {
            if (channel != null) {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                channel = null;
                stub = null;
            }
        }
    }
}
