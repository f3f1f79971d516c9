package dev.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.it.support.BerthHarness;
import dev.berth.it.support.BerthHarness.Result;
import dev.berth.testing.Await;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Networks of CLI containers through berthd, the CLI, real runc and the real CNI plugins: the default bridge
 * network with outbound NAT, /etc files in every mode, published ports, user networks with name resolution,
 * and a container's network surviving berthd's kill -9 and leaving nothing behind when it is removed.
 */
class NetworkIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static BerthHarness berth;
    /** Every container made here: rules a crashed berthd could not delete carry their ids, and are removed. */
    private static final List<String> containerIds = new ArrayList<>();

    /** The default network's bridge: deleted at the end unless it was there before (as Podman's stays). */
    private static final Path DEFAULT_BRIDGE = Path.of("/sys/class/net/berth0");
    private static boolean defaultBridgeWasThere;

    @BeforeAll
    static void startDaemon() throws Exception {
        assertTrue(Files.isExecutable(Path.of("/usr/lib/cni/bridge")), "needs containernetworking-plugins");
        defaultBridgeWasThere = Files.exists(DEFAULT_BRIDGE);
        berth = new BerthHarness();
    }

    @AfterAll
    static void stopDaemon() throws Exception {
        try {
            if (berth != null) {
                berth.close();
            }
        } finally {
            deleteRulesOf(containerIds);
            if (!defaultBridgeWasThere) {
                BerthHarness.run("ip", "link", "delete", DEFAULT_BRIDGE.getFileName().toString());
            }
        }
    }

    private static String run(String... args) throws Exception {
        String id = berth.ok(args);
        containerIds.add(id);
        return id;
    }

    private static JsonNode inspect(String ref) throws Exception {
        return JSON.readTree(berth.ok("inspect", ref)).get(0);
    }

    @Test
    void aContainerIsOnTheDefaultBridgeWithItsEtcFilesAndReachesOutThroughNat() throws Exception {
        String id = run("create", "--name", "plain", "busybox", "sh", "-c",
                "ip -4 -o addr show eth0; echo; cat /etc/hosts; echo; cat /etc/resolv.conf; echo; cat /etc/hostname;"
                        + " ip route; ping -c1 -W5 " + hostGateway() + " >/dev/null && echo outbound-ok");
        berth.ok("start", "plain");
        assertEquals("0", berth.ok("wait", "plain"));
        String out = berth.ok("logs", "plain");
        JsonNode network = inspect("plain").get("network");
        assertEquals("bridge", network.get("mode").asText());
        assertEquals("berth", network.get("name").asText());
        String ip = network.get("ipAddress").asText();
        assertTrue(out.contains("inet " + ip + "/"), out);
        assertTrue(out.contains("127.0.0.1\tlocalhost"), out);
        assertTrue(out.contains(ip + "\t" + id.substring(0, 12) + " plain"), out);
        assertTrue(out.contains("default via "), out);
        assertFalse(out.contains("nameserver 127."), out);
        assertTrue(out.contains("nameserver "), out);
        assertTrue(out.contains("outbound-ok"), out);
        berth.ok("rm", "plain");
    }

    @Test
    void hostAndNoneNetworksHaveEtcFilesToo() throws Exception {
        String host = berth.ok("run", "--rm", "--network", "host", "busybox", "sh", "-c",
                "ping -c1 localhost >/dev/null && echo localhost-ok; cat /etc/hostname; test -s /etc/resolv.conf && echo resolv-ok");
        assertTrue(host.contains("localhost-ok") && host.contains("resolv-ok"), host);
        String none = berth.ok("run", "--rm", "--network", "none", "--name", "lonely", "busybox", "sh", "-c",
                "ip -o link | wc -l; ping -c1 lonely >/dev/null && echo own-name-ok");
        assertEquals("1\nown-name-ok", none);
        Result refused = berth.berth("run", "--rm", "--network", "none", "-p", "18081:80", "busybox", "true");
        assertNotEquals(0, refused.exitCode());
        assertTrue(refused.stderr().contains("bridge network"), refused.stderr());
    }

    @Test
    void aPublishedPortReachesTheContainerAndPortListsIt() throws Exception {
        int port = freePort();
        String id = run("run", "-d", "--name", "web", "-p", port + ":80", "busybox", "sh", "-c",
                "mkdir /www && echo hello-web > /www/index.html && exec httpd -f -p 80 -h /www");
        String ip = inspect("web").get("network").get("ipAddress").asText();
        try {
            assertEquals("80/tcp -> 0.0.0.0:" + port, berth.ok("port", "web"));
            assertEquals("0.0.0.0:" + port, berth.ok("port", "web", "80"));
            assertTrue(Await.eventually(() -> "hello-web\n".equals(get("127.0.0.1", port)), 30_000),
                    "no answer on 127.0.0.1:" + port);

            Result taken = berth.berth("run", "-d", "--name", "web2", "-p", port + ":8080", "busybox", "true");
            assertNotEquals(0, taken.exitCode());
            assertTrue(taken.stderr().contains("already published by container web"), taken.stderr());
            assertNotEquals(0, berth.berth("inspect", "web2").exitCode(), "a refused create left a container");
        } finally {
            berth.ok("rm", "-f", "web");
        }
        assertNoTraceOf(id, ip);
        assertEquals(null, get("127.0.0.1", port), "the port still answers after the container went");
    }

    @Test
    void publishAllPublishesTheImagesExposedPortsOnFreeHostPorts() throws Exception {
        Path layout = Files.createTempDirectory(berth.base(), "exposer");
        BerthHarness.run("cp", "-a", BerthHarness.REPO.resolve("build/images/busybox") + "/.", layout.toString());
        String umoci = BerthHarness.run("umoci", "config", "--image", layout + ":latest", "--config.exposedports", "80/tcp");
        assertTrue(umoci.isBlank(), umoci);
        berth.ok("image", "import", layout.toString(), "--name", "localhost/exposer:v1");
        String id = run("run", "-d", "--name", "exposed", "-P", "localhost/exposer:v1", "sh", "-c",
                "mkdir /www && echo exposed-ok > /www/index.html && exec httpd -f -p 80 -h /www");
        try {
            String mapping = berth.ok("port", "exposed");
            assertTrue(mapping.matches("80/tcp -> 0\\.0\\.0\\.0:\\d+"), mapping);
            int port = Integer.parseInt(mapping.substring(mapping.lastIndexOf(':') + 1));
            assertTrue(Await.eventually(() -> "exposed-ok\n".equals(get("127.0.0.1", port)), 30_000),
                    "no answer on the port -P chose, " + port);
        } finally {
            berth.ok("rm", "-f", "exposed");
            berth.ok("rmi", "localhost/exposer:v1");
        }
        assertNoTraceOf(id);
    }

    @Test
    void containersOnAUserNetworkFindEachOtherByName() throws Exception {
        assertEquals("appnet", berth.ok("network", "create", "appnet"));
        String bridge = net("appnet").get("bridge").asText();
        String srv = run("run", "-d", "--name", "srv", "--network", "appnet", "busybox", "sh", "-c",
                "mkdir /www && echo peer-ok > /www/index.html && exec httpd -f -p 8080 -h /www");
        String second = run("run", "-d", "--name", "second", "--network", "appnet", "busybox", "sleep", "600");
        try {
            assertTrue(berth.ok("exec", "srv", "cat", "/etc/hosts").contains("\tsecond"),
                    "srv's /etc/hosts did not learn of second, which joined after it");
            assertTrue(Await.eventually(() -> {
                try {
                    return berth.berth("exec", "second", "wget", "-qO-", "http://srv:8080/index.html").out().equals("peer-ok");
                } catch (Exception e) {
                    return false;
                }
            }, 30_000), "second cannot fetch from srv by name");
            JsonNode net = JSON.readTree(berth.ok("network", "inspect", "appnet")).get(0);
            assertEquals(List.of("second", "srv"), List.of(net.get("containers").get(0).asText(),
                    net.get("containers").get(1).asText()));
            assertTrue(berth.ok("network", "ls").contains("appnet"));
            Result inUse = berth.berth("network", "rm", "appnet");
            assertNotEquals(0, inUse.exitCode());
            assertTrue(inUse.stderr().contains("containers are on it"), inUse.stderr());

            berth.ok("rm", "-f", "second");
            assertFalse(berth.ok("exec", "srv", "cat", "/etc/hosts").contains("second"),
                    "srv's /etc/hosts still names second after it went");
        } finally {
            berth.berth("rm", "-f", "srv", "second");
        }
        assertNoTraceOf(srv);
        assertNoTraceOf(second);
        berth.ok("network", "create", "--subnet", "10.97.0.0/24", "--internal", "spare");
        assertEquals("appnet\nspare", berth.ok("network", "prune"));
        assertNotEquals(0, berth.berth("network", "inspect", "appnet").exitCode());
        assertFalse(Files.exists(Path.of("/sys/class/net", bridge)), "pruned network's bridge " + bridge + " left");
        Result defaultStays = berth.berth("network", "rm", "berth");
        assertTrue(defaultStays.stderr().contains("default network cannot be removed"), defaultStays.stderr());
    }

    @Test
    void anInternalNetworkHasNoWayOut() throws Exception {
        berth.ok("network", "create", "--internal", "closed");
        try {
            String out = berth.ok("run", "--rm", "--network", "closed", "busybox", "sh", "-c",
                    "ip route; ping -c1 -W2 " + hostGateway() + " >/dev/null 2>&1 && echo reached || echo unreachable");
            assertFalse(out.contains("default"), out);
            assertTrue(out.endsWith("unreachable"), out);
        } finally {
            berth.ok("network", "rm", "closed");
        }
    }

    @Test
    void aContainersNetworkSurvivesAKilledDaemonAndGoesWithTheContainer() throws Exception {
        int port = freePort();
        String id = run("run", "-d", "--name", "keeper", "-p", port + ":80", "busybox", "sh", "-c",
                "mkdir /www && echo still-here > /www/index.html && exec httpd -f -p 80 -h /www");
        String ip = inspect("keeper").get("network").get("ipAddress").asText();
        assertTrue(Await.eventually(() -> "still-here\n".equals(get("127.0.0.1", port)), 30_000));

        berth.killDaemon();
        assertEquals("still-here\n", get("127.0.0.1", port), "the port went with berthd");
        berth.startDaemon();

        assertEquals(ip, inspect("keeper").get("network").get("ipAddress").asText());
        assertEquals("80/tcp -> 0.0.0.0:" + port, berth.ok("port", "keeper"));
        Result taken = berth.berth("run", "-d", "-p", port + ":80", "busybox", "true");
        assertTrue(taken.stderr().contains("already published"), "a restarted berthd forgot the port: " + taken);
        assertTrue(ipamFiles().contains(ip), "the lease went with berthd: " + ipamFiles());
        String other = run("run", "-d", "--name", "after", "busybox", "sleep", "600");
        assertNotEquals(ip, inspect("after").get("network").get("ipAddress").asText(), "the lease was handed out twice");

        berth.ok("rm", "-f", "keeper", "after");
        assertNoTraceOf(id, ip);
        assertNoTraceOf(other);
        assertFalse(ipamFiles().contains(ip), "the lease outlived the container: " + ipamFiles());
        assertEquals(null, get("127.0.0.1", port));
    }

    private static JsonNode net(String name) throws Exception {
        return JSON.readTree(berth.ok("network", "inspect", name)).get(0);
    }

    /** No namespace, no CNI attachment, no iptables rule of the container (by id, or by address) is left. */
    private static void assertNoTraceOf(String id, String ip) throws Exception {
        assertNoTraceOf(id);
        String rules = BerthHarness.run("iptables-save");
        assertFalse(rules.contains(" " + ip + "/32 ") || rules.contains(" " + ip + ":"),
                "iptables rules left for " + ip + ":\n" + rules);
    }

    private static void assertNoTraceOf(String id) throws Exception {
        Path netns = berth.runRoot().resolve("netns").resolve("ctr-" + id.substring(0, 16));
        assertFalse(Files.exists(netns), "netns left: " + netns);
        assertFalse(Files.exists(berth.root().resolve("networks/attachments").resolve(id + ".json")),
                "CNI attachment left for " + id);
        String rules = BerthHarness.run("iptables-save");
        assertFalse(rules.contains(id), "iptables rules left for " + id + ":\n" + rules);
    }

    /** The leases of every network: host-local keeps one file per IP, named by it. */
    private static List<String> ipamFiles() throws IOException {
        Path ipam = berth.root().resolve("networks/ipam");
        try (Stream<Path> files = Files.walk(ipam)) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }

    /** The host's default gateway, a reachable address outside the host, from /proc/net/route. */
    private static String hostGateway() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/net/route")).stream().skip(1).toList()) {
            String[] f = line.trim().split("\\s+");
            if (f[1].equals("00000000")) {
                int gw = Integer.reverseBytes((int) Long.parseLong(f[2], 16));
                return (gw >>> 24) + "." + ((gw >>> 16) & 255) + "." + ((gw >>> 8) & 255) + "." + (gw & 255);
            }
        }
        fail("this host has no default route: outbound traffic cannot be checked");
        return null;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The body of GET / on host:port, or null when nothing answers. */
    private static String get(String host, int port) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://" + host + ":" + port + "/index.html").toURL()
                    .openConnection();
            c.setConnectTimeout(2000);
            c.setReadTimeout(5000);
            try (InputStream in = c.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return null;
        }
    }

    /** What a berthd that died could not delete: every iptables rule and chain naming one of these containers. */
    private static void deleteRulesOf(List<String> ids) throws Exception {
        for (String table : List.of("nat", "filter")) {
            List<String> chains = new ArrayList<>();
            for (String line : BerthHarness.run("iptables-save", "-t", table).lines().toList()) {
                if (line.startsWith("-A ") && ids.stream().anyMatch(line::contains)) {
                    BerthHarness.run("sh", "-c", "iptables -t " + table + " -D " + line.substring(3));
                    String[] words = line.split(" ");
                    for (int i = 0; i < words.length - 1; i++) {
                        if (words[i].equals("-j") && words[i + 1].startsWith("CNI-")) {
                            chains.add(words[i + 1]);
                        }
                    }
                }
            }
            for (String chain : chains) {
                BerthHarness.run("iptables", "-t", table, "-F", chain);
                BerthHarness.run("iptables", "-t", table, "-X", chain);
            }
        }
    }
}
