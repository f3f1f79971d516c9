package dev.berth.daemon.streaming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.oci.BerthException;
import dev.berth.shim.ExecSession;
import dev.berth.shim.FrameStream;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tokens and negotiation: a URL works once, within its lifetime, at its own endpoint, and a refused
 * request never reaches the backend. The backend here fails every exec, so a request that does reach
 * it shows up as a Failure status (and a count).
 */
class StreamingServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String V5 = "v5.channel.k8s.io";
    private static final AtomicInteger calls = new AtomicInteger();
    private static final StreamingBackend BACKEND = new StreamingBackend() {
        @Override
        public ExecSession exec(String containerId, List<String> cmd, boolean tty, boolean stdin) {
            calls.incrementAndGet();
            throw BerthException.notFound("exec in container " + containerId + ": no such container");
        }

        @Override
        public FrameStream attach(String containerId) {
            calls.incrementAndGet();
            throw BerthException.notFound("attach to container " + containerId + ": no such container");
        }

        @Override
        public Path podNetns(String podSandboxId) {
            calls.incrementAndGet();
            return null;
        }
    };

    private static StreamingServer server;
    private static EventLoopGroup clients;

    @BeforeAll
    static void setUp() {
        server = StreamingServer.start(BACKEND);
        clients = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void tearDown() throws Exception {
        server.close();
        clients.shutdownGracefully().sync();
    }

    private static String execUrl() {
        return server.execUrl(new ExecTarget("c1", List.of("true"), new Streams(false, true, false, false)));
    }

    private static void assertRefused(int status, String url, String protocol) {
        int before = calls.get();
        WebSocketHandshakeException e = assertThrows(WebSocketHandshakeException.class,
                () -> WsTestClient.connect(clients, url, protocol));
        assertTrue(e.getMessage().contains(Integer.toString(status)), e.getMessage());
        assertEquals(before, calls.get(), "a refused request reached the backend");
    }

    @Test
    void urlsPointAtTheBoundLoopbackPort() {
        assertTrue(server.port() > 0);
        assertTrue(execUrl().matches("http://127\\.0\\.0\\.1:" + server.port() + "/exec/[A-Za-z0-9_-]{22}"));
        assertTrue(server.portForwardUrl("p1").startsWith("http://127.0.0.1:" + server.port() + "/portforward/"));
    }

    @Test
    void aUsedTokenIsRefused() throws Exception {
        String url = execUrl();
        int before = calls.get();
        try (WsTestClient ws = WsTestClient.connect(clients, url, V5)) {
            JsonNode status = JSON.readTree(ws.awaitClosed().get(3));
            assertEquals("Failure", status.path("status").asText());
            assertEquals("exec in container c1: no such container", status.path("message").asText());
        }
        assertEquals(before + 1, calls.get());
        assertRefused(404, url, V5);
        assertEquals(404, SpdyTestClient.connect(clients, url, "v4.channel.k8s.io").status());
    }

    @Test
    void anUnknownTokenOrPathIsRefused() {
        String base = "http://127.0.0.1:" + server.port();
        assertRefused(404, base + "/exec/AAAAAAAAAAAAAAAAAAAAAA", V5);
        assertRefused(404, base + "/exec", V5);
        assertRefused(404, base + "/other/" + execUrl().substring(execUrl().lastIndexOf('/') + 1), V5);
    }

    @Test
    void aTokenWorksOnlyAtItsOwnEndpoint() {
        String url = execUrl();
        String token = url.substring(url.lastIndexOf('/') + 1);
        assertRefused(404, "http://127.0.0.1:" + server.port() + "/attach/" + token, V5);
        // ... and that try used it up.
        assertRefused(404, url, V5);
    }

    @Test
    void anExpiredTokenIsRefused() throws Exception {
        try (StreamingServer shortLived = StreamingServer.start(BACKEND, "127.0.0.1", 0, Duration.ofMillis(200))) {
            String url = shortLived.execUrl(new ExecTarget("c1", List.of("true"), new Streams(false, true, false, false)));
            Thread.sleep(400); // the point: the token's 200 ms pass
            assertRefused(404, url, V5);
        }
    }

    @Test
    void aRequestWithoutUpgradeIsRefusedAndUsesTheToken() throws Exception {
        String url = execUrl();
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, res.statusCode());
        assertTrue(res.body().contains("missing upgrade headers"), res.body());
        assertRefused(404, url, V5);
    }

    @Test
    void unsupportedSubprotocolsAreRefused() throws Exception {
        assertRefused(403, execUrl(), "channel.k8s.io");
        assertRefused(403, execUrl(), null);
        assertEquals(403, SpdyTestClient.connect(clients, execUrl(), "v3.channel.k8s.io").status());
    }

    @Test
    void badRequestsAreRejectedWithTheirOperation() {
        BerthException e = assertThrows(BerthException.class,
                () -> new ExecTarget("c1", List.of(), new Streams(false, true, false, false)));
        assertEquals("exec in container c1: a command is required", e.getMessage());
        e = assertThrows(BerthException.class, () -> new AttachTarget("c1", new Streams(false, false, false, false)));
        assertEquals("attach to container c1: one of stdin, stdout or stderr is required", e.getMessage());
        e = assertThrows(BerthException.class,
                () -> new ExecTarget("c1", List.of("sh"), new Streams(true, true, true, true)));
        assertEquals("exec in container c1: tty and stderr cannot both be set", e.getMessage());
        e = assertThrows(BerthException.class, () -> server.portForwardUrl(""));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind());
        e = assertThrows(BerthException.class, () -> StreamingServer.start(BACKEND, "localhost", 0, Duration.ofMinutes(1)));
        assertEquals("start streaming server on localhost:0: not an IP address", e.getMessage());
        e = assertThrows(BerthException.class, () -> StreamingServer.start(BACKEND, "127.0.0.1", 70000, Duration.ofMinutes(1)));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind());
    }

    @Test
    void aPortInUseIsReported() {
        BerthException e = assertThrows(BerthException.class,
                () -> StreamingServer.start(BACKEND, "127.0.0.1", server.port(), Duration.ofMinutes(1)));
        assertEquals(BerthException.Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().startsWith("start streaming server on 127.0.0.1:" + server.port() + ": "),
                e.getMessage());
    }

    @Test
    void closeStopsListening() throws Exception {
        StreamingServer s = StreamingServer.start(BACKEND);
        String url = s.execUrl(new ExecTarget("c1", List.of("true"), new Streams(false, true, false, false)));
        s.close();
        Exception e = assertThrows(Exception.class, () -> WsTestClient.connect(clients, url, V5));
        assertTrue(e instanceof ConnectException || e.getCause() instanceof ConnectException, e.toString());
    }
}
