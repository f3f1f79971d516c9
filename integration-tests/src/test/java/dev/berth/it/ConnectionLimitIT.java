package dev.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.it.support.BerthHarness;
import dev.berth.testing.Await;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * berth.sock under a flood of idle connections: past max_connections they are closed as they come, counted
 * in /metrics, and berthd keeps the file descriptors to clean up a container that exits meanwhile; an idle
 * connection goes after connection_idle_timeout, a quiet `logs -f` stream does not. docs/hardening.md.
 */
class ConnectionLimitIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CAP = 100;

    private BerthHarness berth;
    private final List<SocketChannel> clients = new ArrayList<>();
    private Process follower;

    @AfterEach
    void stop() throws Exception {
        for (SocketChannel c : clients) {
            c.close();
        }
        if (follower != null) {
            follower.destroyForcibly().waitFor();
        }
        if (berth != null) {
            berth.close();
        }
    }

    /**
     * berthd's open-files limit is lowered (prlimit) to what it holds plus the cap plus a little; without
     * the cap, the flood would take every descriptor and the exit below could not be cleaned up (EMFILE).
     */
    @Test
    void connectionsPastTheCapAreRefusedAndAnExitIsStillCleanedUpWithTheFloodHeld() throws Exception {
        int metricsPort = freePort();
        berth = new BerthHarness(List.of("max_connections = " + CAP, "connection_idle_timeout = 600",
                "metrics_port = " + metricsPort));
        String victim = berth.ok("run", "-d", "--name", "victim", "busybox", "sleep", "1000");
        int victimPid = state(victim).get("pid").asInt();
        long pid = berth.daemonPid();
        long held = fdsOf(pid);
        long limit = held + CAP + 64;
        BerthHarness.run("prlimit", "--pid", Long.toString(pid), "--nofile=" + limit + ":" + limit);
        assertTrue(Files.readString(Path.of("/proc/" + pid + "/limits")).lines()
                .anyMatch(l -> l.startsWith("Max open files") && l.contains(" " + limit + " ")),
                "prlimit did not apply");

        floodAndExpectAnExitCleanedUp(victim, victimPid, CAP, 3 * CAP, metricsPort);
    }

    /**
     * berthd started with a low open-files limit (prlimit, soft and hard) and no max_connections: the cap it
     * derives from the limit, which keeps DaemonConfig's reserve for runc, shims, logs and cgroup files, is
     * what lets an exit be cleaned up while a flood of more connections than the limit holds the socket.
     */
    @Test
    void startedWithALowOpenFilesLimitItsDefaultCapKeepsAnExitCleanedUpUnderAFlood() throws Exception {
        int metricsPort = freePort();
        berth = new BerthHarness(List.of("connection_idle_timeout = 600", "metrics_port = " + metricsPort));
        berth.stopDaemon();
        int cap = 64;
        // DaemonConfig.defaultMaxConnections: a quarter of what the limit leaves past the 1024 reserved.
        long limit = 1024 + 4L * cap;
        berth.startDaemon(Map.of(), List.of("prlimit", "--nofile=" + limit + ":" + limit, "--"));
        assertTrue(Files.readString(Path.of("/proc/" + berth.daemonPid() + "/limits")).lines()
                .anyMatch(l -> l.startsWith("Max open files") && l.contains(" " + limit + " ")),
                "berthd does not run with the lowered limit");
        String victim = berth.ok("run", "-d", "--name", "victim", "busybox", "sleep", "1000");
        floodAndExpectAnExitCleanedUp(victim, state(victim).get("pid").asInt(), cap, (int) limit + 100, metricsPort);
    }

    /**
     * {@code flood} connections to berth.sock, of which {@code cap} are kept and the rest refused; the
     * container's init is then killed and its exit must be cleaned up (runc state, cgroups) and recorded.
     */
    private void floodAndExpectAnExitCleanedUp(String victim, int victimPid, int cap, int flood, int metricsPort)
            throws Exception {
        for (int i = 0; i < flood; i++) {
            SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
            c.connect(UnixDomainSocketAddress.of(berth.socket()));
            c.configureBlocking(false);
            clients.add(c);
        }
        String refused = "berth_connections_refused_total{socket=\"api\"}";
        assertTrue(Await.eventually(() -> metric(metricsPort, refused) == flood - cap, 30_000),
                "refused: " + metric(metricsPort, refused));
        assertEquals(cap, metric(metricsPort, "berth_connections{socket=\"api\"}"));
        assertEquals(flood - cap, clients.stream().filter(ConnectionLimitIT::closedByPeer).count(),
                "the refused connections are not closed");

        // The container exits while the flood holds every connection allowed: runc delete, cgroups, all done.
        BerthHarness.run("kill", "-9", Integer.toString(victimPid));
        Path runcState = berth.runRoot().resolve("runc").resolve(victim);
        assertTrue(Await.eventually(() -> !Files.exists(runcState), 30_000),
                "runc state left for the exited container");
        assertTrue(Await.eventually(() -> berth.cgroupDirsOf(victim).isEmpty(), 10_000),
                "cgroups left: " + berth.cgroupDirsOf(victim));
        String log = berth.daemonLog();
        assertFalse(log.contains("Too many open files") || log.contains("error=24"), log);
        assertTrue(log.contains("refused " ) && log.contains("max_connections"), "the refusals are not logged");

        for (SocketChannel c : clients) {
            c.close();
        }
        clients.clear();
        JsonNode exited = state(victim);
        assertEquals("exited", exited.get("status").asText(), exited.toString());
        assertEquals(137, exited.get("exitCode").asInt(), exited.toString());
        assertTrue(Await.eventually(() -> metric(metricsPort, "berth_connections{socket=\"api\"}") <= 1, 10_000),
                "closed connections still counted open");
    }

    @Test
    void anIdleConnectionIsClosedAfterTheTimeoutAndAQuietLogStreamIsNot() throws Exception {
        int metricsPort = freePort();
        berth = new BerthHarness(List.of("connection_idle_timeout = 2", "metrics_port = " + metricsPort));
        berth.ok("run", "-d", "--name", "quiet", "busybox", "sh", "-c",
                "echo first; while [ ! -e /go ]; do usleep 100000; done; echo second; sleep 1000");
        Path followed = berth.base().resolve("followed.log");
        ProcessBuilder pb = new ProcessBuilder(BerthHarness.REPO.resolve("cli/src/main/sh/berth").toString(),
                "logs", "-f", "quiet");
        pb.environment().put("BERTH_SOCKET", berth.socket().toString());
        pb.environment().put("BERTH_LIB", BerthHarness.REPO.resolve("cli/target/lib").toString());
        follower = pb.redirectErrorStream(true).redirectOutput(followed.toFile()).start();
        assertTrue(Await.eventually(() -> read(followed).contains("first"), 30_000), read(followed));

        SocketChannel idle = SocketChannel.open(StandardProtocolFamily.UNIX);
        idle.connect(UnixDomainSocketAddress.of(berth.socket()));
        clients.add(idle);
        SocketChannel keptAlive = SocketChannel.open(StandardProtocolFamily.UNIX);
        keptAlive.connect(UnixDomainSocketAddress.of(berth.socket()));
        clients.add(keptAlive);
        keptAlive.write(ByteBuffer.wrap("GET /v1/version HTTP/1.1\r\nHost: d\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII)));
        ByteBuffer answer = ByteBuffer.allocate(8192);
        keptAlive.read(answer);
        String status = new String(answer.array(), 0, answer.position(), StandardCharsets.US_ASCII);
        assertTrue(status.startsWith("HTTP/1.1 200"), status);
        long opened = System.nanoTime();
        idle.configureBlocking(false);
        keptAlive.configureBlocking(false);

        assertTrue(Await.eventually(() -> closedByPeer(idle) && closedByPeer(keptAlive), 15_000),
                "idle connections outlived connection_idle_timeout");
        assertTrue(System.nanoTime() - opened >= 1_500_000_000L, "closed before the timeout");
        assertTrue(metric(metricsPort, "berth_connections_idle_closed_total{socket=\"api\"}") >= 2);

        // The stream has been quiet for longer than the timeout, and follows on.
        assertTrue(follower.isAlive(), "logs -f ended: " + read(followed));
        berth.ok("exec", "quiet", "touch", "/go");
        assertTrue(Await.eventually(() -> read(followed).contains("second"), 15_000), read(followed));
    }

    private static boolean closedByPeer(SocketChannel c) {
        try {
            ByteBuffer b = ByteBuffer.allocate(1024);
            int n;
            while ((n = c.read(b)) > 0) {
                b.clear();
            }
            return n < 0;
        } catch (IOException reset) {
            return true;
        }
    }

    private static long fdsOf(long pid) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return fds.count();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** One series of berthd's /metrics, 0 when it is not there yet. */
    private static long metric(int port, String series) {
        try {
            // A berthd out of descriptors accepts no scrape: the test must fail, not wait forever.
            String body = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                    .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString())
                    .body();
            Matcher m = Pattern.compile("^" + Pattern.quote(series) + " ([0-9.e+]+)$", Pattern.MULTILINE).matcher(body);
            return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("scrape /metrics: " + e, e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    private JsonNode state(String ref) throws Exception {
        JsonNode node = JSON.readTree(berth.ok("inspect", ref));
        return (node.isArray() ? node.get(0) : node).get("state");
    }
}
