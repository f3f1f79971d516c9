package dev.berth.daemon.streaming;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.shim.ExecSession;
import dev.berth.shim.FrameStream;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Port forwarding over both protocols into a real network namespace with an echo server in it. */
class PortForwardTest {
    private static final String POD = "pod-a";

    private static PodNetns netns;
    private static int port;
    private static int closedPort;
    private static StreamingServer server;
    private static EventLoopGroup clients;

    @BeforeAll
    static void setUp() throws Exception {
        String missing = PodNetns.missingPrerequisite();
        if (missing != null) {
            System.out.println("SKIP PortForwardTest: " + missing);
            Assumptions.abort(missing);
        }
        // Ports free on the host, so that reaching them proves the namespace was entered.
        try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(0)) {
            port = a.getLocalPort();
            closedPort = b.getLocalPort();
        }
        netns = PodNetns.create(port);
        server = StreamingServer.start(new StreamingBackend() {
            @Override
            public ExecSession exec(String containerId, List<String> cmd, boolean tty, boolean stdin) {
                throw new UnsupportedOperationException("port forward tests run no commands");
            }

            @Override
            public FrameStream attach(String containerId) {
                throw new UnsupportedOperationException("port forward tests attach to nothing");
            }

            @Override
            public Path podNetns(String podSandboxId) {
                return POD.equals(podSandboxId) ? netns.file : Path.of("/nonexistent/netns/" + podSandboxId);
            }
        });
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
        if (netns != null) {
            netns.close();
        }
    }

    private static byte[] portPrefix(int p) {
        return new byte[] {(byte) p, (byte) (p >> 8)};
    }

    @Test
    void theEchoServerIsOnlyInThePodsNamespace() {
        assertThrows(ConnectException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            }
        });
    }

    @Test
    void webSocketForwardsEachPortOnItsChannelPair() throws Exception {
        String url = server.portForwardUrl(POD) + "?port=" + port + "&port=" + closedPort;
        try (WsTestClient ws = WsTestClient.connect(clients, url, "v4.channel.k8s.io")) {
            ws.awaitText(3, "refused");
            ws.send(0, "hello pod");
            ws.awaitText(0, "hello pod");
            Map<Integer, String> got = ws.received();
            assertTrue(got.get(3).toLowerCase().contains("error forwarding port " + closedPort + " to pod " + POD),
                    got.get(3));
            assertEquals(1, ws.messages().stream().filter(m -> m[0] == 1).count(), "no error for the open port");
            // Each channel starts with its port, little-endian.
            for (byte[] m : ws.messages().subList(0, 4)) {
                int ch = m[0];
                int p = ch < 2 ? port : closedPort;
                assertArrayEquals(portPrefix(p), new byte[] {m[1], m[2]}, "channel " + ch);
            }
        }
    }

    @Test
    void webSocketNeedsValidPorts() throws Exception {
        for (String query : new String[] {"", "?port=0", "?port=http", "?port=70000"}) {
            String url = server.portForwardUrl(POD) + query;
            WebSocketHandshakeException e = assertThrows(WebSocketHandshakeException.class,
                    () -> WsTestClient.connect(clients, url, "v4.channel.k8s.io"), query);
            assertTrue(e.getMessage().contains("400"), e.getMessage());
        }
    }

    @Test
    void spdyForwardsConnectionsAndHalfCloses() throws Exception {
        SpdyTestClient.Upgrade up = SpdyTestClient.connect(clients, server.portForwardUrl(POD), "portforward.k8s.io");
        assertEquals(101, up.status());
        assertEquals("portforward.k8s.io", up.protocol());
        try (SpdyTestClient c = up.client()) {
            for (int request = 0; request < 2; request++) {
                String id = Integer.toString(request);
                int error = c.open(Map.of("streamtype", "error", "port", Integer.toString(port), "requestid", id));
                int data = c.open(Map.of("streamtype", "data", "port", Integer.toString(port), "requestid", id));
                c.send(data, "request " + id + "\n", false);
                c.send(data, "end", true);
                assertEquals("request " + id + "\nend", c.awaitFin(data));
                assertEquals("", c.awaitFin(error));
            }
            int error = c.open(Map.of("streamtype", "error", "port", Integer.toString(closedPort), "requestid", "9"));
            int data = c.open(Map.of("streamtype", "data", "port", Integer.toString(closedPort), "requestid", "9"));
            String message = c.awaitFin(error);
            assertTrue(message.contains("error forwarding port " + closedPort + " to pod " + POD), message);
            assertTrue(message.toLowerCase().contains("refused"), message);
            assertEquals("", c.awaitFin(data));
        }
    }

    @Test
    void aPodWithoutItsNamespaceFileReportsIt() throws Exception {
        try (SpdyTestClient c = SpdyTestClient.connect(clients, server.portForwardUrl("gone"),
                "portforward.k8s.io").client()) {
            int error = c.open(Map.of("streamtype", "error", "port", "80", "requestid", "0"));
            c.open(Map.of("streamtype", "data", "port", "80", "requestid", "0"));
            String message = c.awaitFin(error);
            assertTrue(message.contains("/nonexistent/netns/gone"), message);
        }
    }

    @Test
    void spdyRejectsAnotherProtocol() throws Exception {
        SpdyTestClient.Upgrade up = SpdyTestClient.connect(clients, server.portForwardUrl(POD), "v4.channel.k8s.io");
        assertEquals(403, up.status());
    }

}
