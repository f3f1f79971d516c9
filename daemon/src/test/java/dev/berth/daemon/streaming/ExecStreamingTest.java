package dev.berth.daemon.streaming;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Exec and attach through both protocols, against a real container (shim + runc + busybox). */
class ExecStreamingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String V5 = "v5.channel.k8s.io";
    private static final String V4 = "v4.channel.k8s.io";

    private static ShimBackend backend;
    private static StreamingServer server;
    private static EventLoopGroup clients;

    @BeforeAll
    static void setUp() throws Exception {
        String missing = ShimBackend.missingPrerequisite();
        if (missing != null) {
            System.out.println("SKIP ExecStreamingTest: " + missing);
            Assumptions.abort(missing);
        }
        backend = ShimBackend.start("stream-it-" + ProcessHandle.current().pid());
        server = StreamingServer.start(backend);
        clients = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (server != null) {
            server.close();
        }
        if (clients != null) {
            clients.shutdownGracefully().sync();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private static String exec(Streams streams, String... cmd) {
        return server.execUrl(new ExecTarget(backend.id, List.of(cmd), streams));
    }

    private static void assertExitCode(int code, String statusJson) throws Exception {
        JsonNode s = JSON.readTree(statusJson);
        assertEquals("Failure", s.path("status").asText(), statusJson);
        assertEquals("NonZeroExitCode", s.path("reason").asText(), statusJson);
        JsonNode cause = s.path("details").path("causes").path(0);
        assertEquals("ExitCode", cause.path("reason").asText(), statusJson);
        assertEquals(Integer.toString(code), cause.path("message").asText(), statusJson);
    }

    @Test
    void webSocketV5CarriesStdinStdoutStderrAndTheExitCode() throws Exception {
        String url = exec(new Streams(true, true, true, false),
                "sh", "-c", "read l; echo out:$l; echo err:$l >&2; exit 3");
        try (WsTestClient ws = WsTestClient.connect(clients, url, V5)) {
            assertEquals(V5, ws.protocol());
            ws.send(0, "hello\n");
            Map<Integer, String> got = ws.awaitClosed();
            assertEquals("out:hello\n", got.get(1));
            assertEquals("err:hello\n", got.get(2));
            assertExitCode(3, got.get(3));
            // kubelet's "streams ready" signal: an empty message on stdout comes first.
            assertArrayEquals(new byte[] {1}, ws.messages().get(0));
        }
    }

    @Test
    void webSocketV5StreamCloseEndsCat() throws Exception {
        String url = exec(new Streams(true, true, false, false), "cat");
        try (WsTestClient ws = WsTestClient.connect(clients, url, V5)) {
            ws.send(0, "abc");
            ws.awaitText(1, "abc");
            ws.send(255, new byte[] {0});
            Map<Integer, String> got = ws.awaitClosed();
            assertEquals("abc", got.get(1));
            assertEquals("{\"metadata\":{},\"status\":\"Success\"}", got.get(3));
        }
    }

    @Test
    void webSocketV4ResizeReachesTheTerminal() throws Exception {
        String url = exec(new Streams(true, true, false, true), "sh", "-c", "read x; stty size; exit 5");
        try (WsTestClient ws = WsTestClient.connect(clients, url, V4)) {
            assertEquals(V4, ws.protocol());
            ws.send(4, "{\"Width\":123,\"Height\":45}");
            ws.send(0, "go\n");
            Map<Integer, String> got = ws.awaitClosed();
            assertTrue(got.get(1).contains("45 123"), got.get(1));
            assertExitCode(5, got.get(3));
        }
    }

    @Test
    void execWithoutStdinReadsEndOfInput() throws Exception {
        String url = exec(new Streams(false, true, false, false), "sh", "-c", "cat; echo done");
        try (WsTestClient ws = WsTestClient.connect(clients, url, V5)) {
            Map<Integer, String> got = ws.awaitClosed();
            assertEquals("done\n", got.get(1));
        }
    }

    @Test
    void spdyCarriesStdinStdoutStderrAndTheExitCode() throws Exception {
        String url = exec(new Streams(true, true, true, false),
                "sh", "-c", "read l; echo out:$l; echo err:$l >&2; exit 7");
        SpdyTestClient.Upgrade up = SpdyTestClient.connect(clients, url, V4);
        assertEquals(101, up.status());
        assertEquals(V4, up.protocol());
        try (SpdyTestClient c = up.client()) {
            int error = c.open(Map.of("streamtype", "error"));
            int stdin = c.open(Map.of("streamtype", "stdin"));
            int stdout = c.open(Map.of("streamtype", "stdout"));
            int stderr = c.open(Map.of("streamtype", "stderr"));
            c.send(stdin, "spdy\n", false);
            assertEquals("out:spdy\n", c.awaitFin(stdout));
            assertEquals("err:spdy\n", c.awaitFin(stderr));
            assertExitCode(7, c.awaitFin(error));
            assertTrue(c.goneAway(), "the server ends the session with GOAWAY and leaves the close to the client");
        }
    }

    @Test
    void spdyStdinHalfCloseEndsCat() throws Exception {
        String url = exec(new Streams(true, true, false, false), "cat");
        try (SpdyTestClient c = SpdyTestClient.connect(clients, url, V4).client()) {
            int stdin = c.open(Map.of("streamtype", "stdin"));
            // Input before the last stream opens waits for the session.
            c.send(stdin, "xyz", true);
            int stdout = c.open(Map.of("streamtype", "stdout"));
            int error = c.open(Map.of("streamtype", "error"));
            assertEquals("xyz", c.awaitFin(stdout));
            assertEquals("{\"metadata\":{},\"status\":\"Success\"}", c.awaitFin(error));
        }
    }

    @Test
    void spdyResizeReachesTheTerminal() throws Exception {
        String url = exec(new Streams(true, true, false, true), "sh", "-c", "read x; stty size");
        try (SpdyTestClient c = SpdyTestClient.connect(clients, url, V4).client()) {
            int error = c.open(Map.of("streamtype", "error"));
            int stdin = c.open(Map.of("streamtype", "stdin"));
            int stdout = c.open(Map.of("streamtype", "stdout"));
            int resize = c.open(Map.of("streamtype", "resize"));
            c.send(resize, "{\"Width\":80,\"Height\":24}\n{\"Width\":132,\"Height\":50}\n", false);
            c.send(stdin, "go\n", false);
            String out = c.awaitFin(stdout);
            assertTrue(out.contains("50 132"), out);
            assertEquals("{\"metadata\":{},\"status\":\"Success\"}", c.awaitFin(error));
        }
    }

    @Test
    void spdyRefusesAStreamTheRequestDidNotAskFor() throws Exception {
        String url = exec(new Streams(false, true, false, false), "true");
        try (SpdyTestClient c = SpdyTestClient.connect(clients, url, V4).client()) {
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> c.open(Map.of("streamtype", "stdin")));
            assertTrue(e.getMessage().contains("reset"), e.getMessage());
            int error = c.open(Map.of("streamtype", "error"));
            int stdout = c.open(Map.of("streamtype", "stdout"));
            assertEquals("", c.awaitFin(stdout));
            assertEquals("{\"metadata\":{},\"status\":\"Success\"}", c.awaitFin(error));
        }
    }

    /*
     * Output stays under 256 KiB: the shim drops a client that far behind, and a process writing
     * /dev/zero outruns any reader of the shim (see the shim's flow control).
     */
    @Test
    void megabytesOfInputAndMoreThanAWindowOfOutputFlowOverWebSocket() throws Exception {
        String url = exec(new Streams(true, true, false, false), "sh", "-c", "wc -c; head -c 200000 /dev/zero");
        byte[] chunk = new byte[64 * 1024];
        try (WsTestClient ws = WsTestClient.connect(clients, url, V5)) {
            for (int i = 0; i < 48; i++) {
                ws.send(0, chunk);
            }
            ws.send(255, new byte[] {0});
            Map<Integer, String> got = ws.awaitClosed();
            String out = got.get(1);
            assertEquals(Integer.toString(48 * chunk.length), out.substring(0, out.indexOf('\n')).trim());
            assertEquals(200_000, out.length() - out.indexOf('\n') - 1);
            assertEquals("{\"metadata\":{},\"status\":\"Success\"}", got.get(3));
        }
    }

    @Test
    void moreThanAWindowFlowsOverSpdyWithoutFlowControlFromTheClient() throws Exception {
        // The test client, like spdystream, never sends WINDOW_UPDATE: more than SPDY's 64 KiB
        // initial window must still arrive.
        String url = exec(new Streams(false, true, false, false), "head", "-c", "200000", "/dev/zero");
        try (SpdyTestClient c = SpdyTestClient.connect(clients, url, V4).client()) {
            int error = c.open(Map.of("streamtype", "error"));
            int stdout = c.open(Map.of("streamtype", "stdout"));
            assertEquals(200_000, c.awaitFin(stdout).length());
            assertEquals("{\"metadata\":{},\"status\":\"Success\"}", c.awaitFin(error));
        }
    }

    @Test
    void attachSeesTheContainersOutputAndFeedsItsStdin() throws Exception {
        String url = server.attachUrl(new AttachTarget(backend.id, new Streams(true, true, true, false)));
        try (WsTestClient ws = WsTestClient.connect(clients, url, V5)) {
            ws.send(0, "ping\n");
            ws.awaitText(1, "attached:ping\n");
            assertTrue(ws.isOpen(), "attach lasts while the container runs");
        }
        // Leaving the attach does not stop the container.
        String url2 = server.attachUrl(new AttachTarget(backend.id, new Streams(true, true, false, false)));
        try (WsTestClient ws = WsTestClient.connect(clients, url2, V4)) {
            ws.send(0, "again\n");
            ws.awaitText(1, "attached:again\n");
        }
    }

    @Test
    void execInAMissingContainerFailsOnTheErrorChannel() throws Exception {
        String url = server.execUrl(new ExecTarget("no-such-container", List.of("true"),
                new Streams(false, true, false, false)));
        try (WsTestClient ws = WsTestClient.connect(clients, url, V5)) {
            JsonNode s = JSON.readTree(ws.awaitClosed().get(3));
            assertEquals("Failure", s.path("status").asText());
            assertTrue(s.path("message").asText().contains("exec in container no-such-container"), s.toString());
        }
    }
}
