package dev.berth.daemon.network;

import static dev.berth.daemon.network.NetworkTestSupport.BUSYBOX;
import static dev.berth.daemon.network.NetworkTestSupport.CNI_BIN;
import static dev.berth.daemon.network.NetworkTestSupport.inNetns;
import static dev.berth.daemon.network.NetworkTestSupport.leases;
import static dev.berth.daemon.network.NetworkTestSupport.linkExists;
import static dev.berth.daemon.network.NetworkTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.image.OverlayRootfs;
import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;
import dev.berth.testing.Await;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CniNetwork against Debian's real CNI plugins. Each test has its own bridge, /24 in 10.240.0.0/16,
 * network name and host-local data dir, so tests (and other runs on the host) do not meet.
 */
class CniNetworkTest {
    @TempDir
    Path tmp;
    private String tag;
    private String bridge;
    private String networkName;
    private int subnet;
    private Path confDir;
    private Path cacheDir;
    private Path dataDir;
    private NetnsManager netns;
    private CniNetwork network;
    private final List<PodNetworkRequest> pods = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        NetworkTestSupport.assumeRootAndCniPlugins();
        tag = String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24));
        bridge = "bt" + tag;
        networkName = "berth-test-" + tag;
        subnet = ThreadLocalRandom.current().nextInt(1, 255);
        confDir = Files.createDirectories(tmp.resolve("net.d"));
        cacheDir = tmp.resolve("cache");
        dataDir = tmp.resolve("ipam");
        netns = new NetnsManager(tmp.resolve("netns"));
        network = new CniNetwork(confDir, List.of(CNI_BIN), cacheDir);
    }

    @AfterEach
    void tearDown() {
        if (netns == null) {
            return;
        }
        for (PodNetworkRequest pod : pods) {
            try {
                network.detach(pod);
            } catch (RuntimeException e) {
                System.err.println("cleanup: " + e.getMessage());
            }
        }
        netns.list().forEach(netns::remove);
        if (Files.isDirectory(netns.dir())) {
            OverlayRootfs.unmount(netns.dir());
        }
        NetworkTestSupport.deleteLink(bridge);
    }

    /**
     * Berth's shipped config (contrib/cni) with this test's name, bridge, subnet and data dir, and
     * {@code extraPlugins} (JSON objects) appended: the tests run what berth installs.
     */
    private String conflist(boolean ipMasq, String... extraPlugins) throws IOException {
        ObjectNode list = (ObjectNode) OciJson.mapper().readTree(Files.readAllBytes(CniNetworkListTest.SHIPPED_CONFIG));
        list.put("name", networkName);
        ObjectNode bridgePlugin = (ObjectNode) list.get("plugins").get(0);
        bridgePlugin.put("bridge", bridge).put("ipMasq", ipMasq);
        ObjectNode ipam = (ObjectNode) bridgePlugin.get("ipam");
        ((ObjectNode) ipam.get("ranges").get(0).get(0)).put("subnet", "10.240." + subnet + ".0/24");
        ipam.put("dataDir", dataDir.toString());
        for (String extra : extraPlugins) {
            ((ArrayNode) list.get("plugins")).add(OciJson.mapper().readTree(extra));
        }
        return OciJson.mapper().writeValueAsString(list);
    }

    private Path writeConfig(String fileName, String content) throws IOException {
        return Files.writeString(confDir.resolve(fileName), content);
    }

    private PodNetworkRequest pod(String name, PortMapping... ports) {
        PodNetworkRequest pod = new PodNetworkRequest(name + "-" + tag, name, "default", "uid-" + name,
                netns.create(name), List.of(ports));
        pods.add(pod);
        return pod;
    }

    private String inSubnet() {
        return "10.240." + subnet + ".";
    }

    @Test
    void attachConfiguresEth0AndLoThenDetachReleasesTheAddressIdempotently() throws Exception {
        writeConfig("10-test.conflist", conflist(true));
        PodNetworkRequest pod = pod("one");

        NetworkStatus status = network.attach(pod);

        assertTrue(status.ip().startsWith(inSubnet()), status.toString());
        assertEquals(List.of(), status.additionalIps());
        String eth0 = inNetns(pod.netns(), BUSYBOX, "ip", "-4", "addr", "show", "eth0").output();
        assertTrue(eth0.contains("inet " + status.ip() + "/24"), eth0);
        String lo = inNetns(pod.netns(), BUSYBOX, "ip", "-4", "addr", "show", "lo").output();
        assertTrue(lo.contains("UP") && lo.contains("inet 127.0.0.1/8"), "lo is up: " + lo);
        assertEquals(0, inNetns(pod.netns(), BUSYBOX, "ping", "-c", "1", "-W", "2", "127.0.0.1").exit());
        String route = inNetns(pod.netns(), BUSYBOX, "ip", "route").output();
        assertTrue(route.contains("default via " + inSubnet() + "1"), route);
        assertEquals(List.of(status.ip()), leases(dataDir, networkName));
        assertTrue(Files.exists(cacheDir.resolve(pod.podId() + ".json")));

        BerthException twice = assertThrows(BerthException.class, () -> network.attach(pod));
        assertEquals(BerthException.Kind.ALREADY_EXISTS, twice.kind());
        assertTrue(twice.getMessage().contains(pod.podId()), twice.getMessage());

        network.detach(pod);
        assertEquals(List.of(), leases(dataDir, networkName));
        assertFalse(Files.exists(cacheDir.resolve(pod.podId() + ".json")));
        assertNotEquals(0, inNetns(pod.netns(), BUSYBOX, "ip", "link", "show", "eth0").exit(), "eth0 is gone");
        assertFalse(run("iptables", "-t", "nat", "-S").output().contains(status.ip() + "/32"),
                "the ipMasq rule for the pod is gone");
        network.detach(pod);  // idempotent
    }

    @Test
    void twoPodsGetDifferentAddressesAndReachEachOther() throws Exception {
        writeConfig("10-test.conflist", conflist(true));
        PodNetworkRequest a = pod("a");
        PodNetworkRequest b = pod("b");

        NetworkStatus ipA = network.attach(a);
        NetworkStatus ipB = network.attach(b);

        assertNotEquals(ipA.ip(), ipB.ip());
        assertEquals(List.of(ipA.ip(), ipB.ip()).stream().sorted().toList(), leases(dataDir, networkName));
        NetworkTestSupport.Result ping = inNetns(a.netns(), BUSYBOX, "ping", "-c", "1", "-W", "2", ipB.ip());
        assertEquals(0, ping.exit(), ping.output());
        ping = inNetns(b.netns(), BUSYBOX, "ping", "-c", "1", "-W", "2", ipA.ip());
        assertEquals(0, ping.exit(), ping.output());
    }

    @Test
    void differentPodsAttachAndDetachConcurrently() throws Exception {
        writeConfig("10-test.conflist", conflist(true));
        List<PodNetworkRequest> many = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            many.add(pod("p" + i, new PortMapping("tcp", 80, ThreadLocalRandom.current().nextInt(20000, 40000), "")));
        }
        ExecutorService threads = Executors.newFixedThreadPool(many.size());
        try {
            List<Future<NetworkStatus>> attached = new ArrayList<>();
            many.forEach(p -> attached.add(threads.submit(() -> network.attach(p))));
            List<String> ips = new ArrayList<>();
            for (Future<NetworkStatus> f : attached) {
                ips.add(f.get(60, TimeUnit.SECONDS).ip());
            }
            assertEquals(many.size(), ips.stream().distinct().count(), ips.toString());
            assertEquals(ips.stream().sorted().toList(), leases(dataDir, networkName));

            List<Future<?>> detached = new ArrayList<>();
            many.forEach(p -> detached.add(threads.submit(() -> network.detach(p))));
            for (Future<?> f : detached) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertEquals(List.of(), leases(dataDir, networkName));
        } finally {
            threads.shutdownNow();
        }
    }

    /**
     * portmap DNATs in OUTPUT as well as PREROUTING, so the host itself reaches the pod through the host
     * port. For 127.0.0.1 it also needs route_localnet on the bridge (a 127/8 source may not be routed
     * out of an interface otherwise) and masquerades such connections so replies come back: portmap sets
     * both when "snat" is on, its default. Other host addresses (the bridge's gateway IP) work without it.
     */
    @Test
    void aHostPortOnLoopbackReachesAServerInThePod() throws Exception {
        writeConfig("10-test.conflist", conflist(true));
        int hostPort = ThreadLocalRandom.current().nextInt(20000, 40000);
        PodNetworkRequest pod = pod("web", new PortMapping("TCP", 8080, hostPort, "127.0.0.1"),
                new PortMapping("tcp", 9090, 0, ""));
        NetworkStatus status = network.attach(pod);
        assertEquals("1", Files.readString(Path.of("/proc/sys/net/ipv4/conf", bridge, "route_localnet")).strip());

        Process server = new ProcessBuilder("nsenter", "--net=" + pod.netns(), BUSYBOX, "nc", "-l", "-p", "8080",
                "-e", "/bin/echo", "hello-from-pod").redirectErrorStream(true).start();
        try {
            assertEquals("hello-from-pod", readLineFrom("127.0.0.1", hostPort));
        } finally {
            server.destroyForcibly();
            server.waitFor(5, TimeUnit.SECONDS);
        }

        network.detach(pod);
        String nat = run("iptables", "-t", "nat", "-S").output();
        assertFalse(nat.contains("--dport " + hostPort), "the DNAT rule is gone: " + nat);
        assertFalse(nat.contains(status.ip()), "no rule names the pod's address: " + nat);
    }

    /** A line from host:port, retried while the server in the pod is still starting (10 s at most). */
    private static String readLineFrom(String host, int port) throws Exception {
        IOException[] lastError = {null};
        String line = Await.lastValue(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 1000);
                s.setSoTimeout(5000);
                return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
            } catch (IOException e) {
                lastError[0] = e;
                return null;
            }
        }, l -> l != null, 10_000);
        if (line == null) {
            throw new AssertionError("no line from " + host + ":" + port + " in 10 s", lastError[0]);
        }
        return line;
    }

    /**
     * Without ipMasq: the bridge plugin 1.1.1 finds the addresses whose masquerade rule it removes on the
     * pod's eth0, so with the namespace gone it cannot remove that rule (callers detach before removing
     * the namespace; after a reboot, the only other way namespaces vanish, the rules are gone as well).
     */
    @Test
    void detachWorksWhenTheNetnsIsAlreadyGone() throws Exception {
        writeConfig("10-test.conflist", conflist(false));
        int hostPort = ThreadLocalRandom.current().nextInt(20000, 40000);
        PodNetworkRequest removed = pod("gone", new PortMapping("udp", 53, hostPort, ""));
        // Unmounted but not unlinked (a crash inside NetnsManager.remove): the plugins would reject the
        // file as "not a network namespace" if it were passed as CNI_NETNS.
        PodNetworkRequest unmounted = pod("unmounted");
        NetworkStatus status = network.attach(removed);
        NetworkStatus other = network.attach(unmounted);
        assertEquals(List.of(status.ip(), other.ip()).stream().sorted().toList(), leases(dataDir, networkName));
        assertTrue(run("iptables", "-t", "nat", "-S").output().contains("--dport " + hostPort));

        netns.remove(removed.netns());
        OverlayRootfs.unmount(unmounted.netns());
        network.detach(removed);
        network.detach(unmounted);

        assertEquals(List.of(), leases(dataDir, networkName));
        String nat = run("iptables", "-t", "nat", "-S").output();
        assertFalse(nat.contains("--dport " + hostPort) || nat.contains(status.ip()), "portmap's rules are gone: " + nat);
        assertFalse(Files.exists(cacheDir.resolve(removed.podId() + ".json")));
        assertFalse(Files.exists(cacheDir.resolve(unmounted.podId() + ".json")));
        try (var ports = Files.list(Path.of("/sys/class/net", bridge, "brif"))) {
            assertEquals(0, ports.count(), "the pods' veths left the bridge with their namespaces");
        }
        network.detach(removed);
    }

    @Test
    void detachAfterARestartUsesTheCachedConfigEvenWhenTheConfigIsGone() throws Exception {
        Path config = writeConfig("10-test.conflist", conflist(true));
        PodNetworkRequest pod = pod("restart", new PortMapping("tcp", 80, ThreadLocalRandom.current().nextInt(20000, 40000), ""));
        NetworkStatus status = network.attach(pod);
        Files.delete(config);

        CniNetwork restarted = new CniNetwork(confDir, List.of(CNI_BIN), cacheDir);
        restarted.detach(pod);

        assertEquals(List.of(), leases(dataDir, networkName));
        assertNotEquals(0, inNetns(pod.netns(), BUSYBOX, "ip", "link", "show", "eth0").exit(), "eth0 is gone");
        assertFalse(run("iptables", "-t", "nat", "-S").output().contains(status.ip()));
    }

    @Test
    void aPluginThatFailsInAddIsUndoneAndNamed() throws Exception {
        // tuning runs after bridge made the veth and took an address: all of it must be undone.
        writeConfig("10-test.conflist", conflist(true,
                "{\"type\": \"tuning\", \"sysctl\": {\"net.ipv4.conf.eth0.berth_no_such_knob\": \"1\"}}"));
        PodNetworkRequest pod = pod("fails");

        BerthException e = assertThrows(BerthException.class, () -> network.attach(pod));

        assertTrue(e.getMessage().contains("attach pod " + pod.podId()), e.getMessage());
        assertTrue(e.getMessage().contains("CNI plugin tuning ADD failed"), e.getMessage());
        assertTrue(e.getMessage().contains("berth_no_such_knob"), e.getMessage());
        assertEquals(List.of(), leases(dataDir, networkName));
        assertFalse(Files.exists(cacheDir.resolve(pod.podId() + ".json")));
        assertNotEquals(0, inNetns(pod.netns(), BUSYBOX, "ip", "link", "show", "eth0").exit(), "eth0 is gone");
        assertFalse(run("iptables", "-t", "nat", "-S").output().contains(pod.podId()), "the ipMasq rule is gone");
    }

    @Test
    void brokenConfigsAndBadRequestsFailClearlyAndMakeNothing() throws Exception {
        PodNetworkRequest pod = pod("broken");
        Path broken = writeConfig("10-broken.conflist", "{\"cniVersion\": \"1.0.0\", \"name\": ");

        BerthException badJson = assertThrows(BerthException.class, () -> network.attach(pod));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, badJson.kind());
        assertTrue(badJson.getMessage().startsWith("attach pod " + pod.podId() + ": load CNI config " + broken
                + ": malformed JSON"), badJson.getMessage());
        NetworkReadiness readiness = network.readiness();
        assertFalse(readiness.ready());
        assertTrue(readiness.message().contains(broken.toString()), readiness.message());

        Files.writeString(broken, conflist(true, "{\"type\": \"berth-no-such-plugin\"}"));
        BerthException missing = assertThrows(BerthException.class, () -> network.attach(pod));
        assertEquals(BerthException.Kind.FAILED_PRECONDITION, missing.kind());
        assertTrue(missing.getMessage().contains(broken.toString()), missing.getMessage());
        assertTrue(missing.getMessage().contains("CNI plugin \"berth-no-such-plugin\" not found in [" + CNI_BIN + "]"),
                missing.getMessage());

        Files.writeString(broken, conflist(true).replace("\"1.0.0\"", "\"9.9.9\""));
        BerthException version = assertThrows(BerthException.class, () -> network.attach(pod));
        assertTrue(version.getMessage().contains("cniVersion \"9.9.9\" is not supported"), version.getMessage());

        Files.writeString(broken, conflist(true));
        BerthException protocol = assertThrows(BerthException.class, () -> network.attach(new PodNetworkRequest(
                pod.podId(), "broken", "default", "uid", pod.netns(), List.of(new PortMapping("icmp", 80, 8080, "")))));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, protocol.kind());
        assertTrue(protocol.getMessage().contains("protocol must be tcp, udp or sctp"), protocol.getMessage());
        BerthException badId = assertThrows(BerthException.class, () -> network.attach(new PodNetworkRequest(
                "../x", "broken", "default", "uid", pod.netns(), List.of())));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, badId.kind());

        assertFalse(linkExists(bridge), "no bridge was made");
        assertEquals(List.of(), leases(dataDir, networkName));
        assertFalse(Files.exists(cacheDir) && Files.list(cacheDir).findAny().isPresent(), "no cache entry was made");
        String links = inNetns(pod.netns(), BUSYBOX, "ip", "-o", "link").output();
        assertEquals(1, links.lines().count(), "the namespace still has only lo: " + links);
    }

    @Test
    void theLexicallyFirstConfigWinsAndASingleConfIsWrappedIntoAList() throws Exception {
        // An old-style .conf of the bridge plugin alone; the broken file sorted after it is never read.
        writeConfig("10-single.conf", """
                {"cniVersion": "1.0.0", "name": "%s", "type": "bridge", "bridge": "%s", "isGateway": true,
                 "ipam": {"type": "host-local", "subnet": "10.240.%d.0/24", "dataDir": "%s"}}
                """.formatted(networkName, bridge, subnet, dataDir));
        writeConfig("20-broken.conflist", "not json");
        PodNetworkRequest pod = pod("single");

        assertTrue(network.readiness().ready(), network.readiness().toString());
        NetworkStatus status = network.attach(pod);
        assertTrue(status.ip().startsWith(inSubnet()), status.toString());
        network.detach(pod);
        assertEquals(List.of(), leases(dataDir, networkName));
    }

    @Test
    void notReadyWithAReasonWithoutAConfig() throws Exception {
        NetworkReadiness empty = network.readiness();
        assertFalse(empty.ready());
        assertEquals("NetworkPluginNotReady", empty.reason());
        assertTrue(empty.message().contains("no CNI network config") && empty.message().contains(confDir.toString()),
                empty.message());
        CniNetwork noDir = new CniNetwork(tmp.resolve("absent"), List.of(CNI_BIN), cacheDir);
        assertFalse(noDir.readiness().ready());

        PodNetworkRequest pod = pod("early");
        BerthException e = assertThrows(BerthException.class, () -> network.attach(pod));
        assertEquals(BerthException.Kind.FAILED_PRECONDITION, e.kind());

        writeConfig("10-test.conflist", conflist(true));
        assertEquals(new NetworkReadiness(true, "", ""), network.readiness(), "a config dropped in later is picked up");
    }
}
