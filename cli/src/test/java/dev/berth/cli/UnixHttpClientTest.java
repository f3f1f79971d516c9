package dev.berth.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UnixHttpClientTest extends FakeDaemonTest {

    private static void raw(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Test
    void contentLengthBodyAndRequestLine() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> FakeDaemon.json(out, 200, "{\"version\":\"1.2.3\",\"n\":7}"));
        Api api = new Api(daemon.socket());
        Map<String, Object> v = Json.map(api.get("/v1/version"));
        assertEquals("1.2.3", v.get("version"));
        assertEquals(7L, Json.lng(v, "n", 0));
        FakeDaemon.Request r = daemon.requests.get(0);
        assertEquals("GET", r.method);
        assertEquals("/v1/version", r.target);
        assertEquals("berthd", r.headers.get("host"));
    }

    @Test
    void postSendsJsonWithContentLength() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> FakeDaemon.json(out, 201, "{\"id\":\"abc\"}"));
        Api api = new Api(daemon.socket());
        Object r = api.post("/v1/containers", Map.of("image", "busybox"));
        assertEquals("abc", Json.map(r).get("id"));
        FakeDaemon.Request req = daemon.requests.get(0);
        assertEquals("application/json", req.headers.get("content-type"));
        assertEquals("{\"image\":\"busybox\"}", req.body());
        assertEquals(String.valueOf(req.body.length), req.headers.get("content-length"));
    }

    @Test
    void emptyPostCarriesContentLengthZeroAnd204IsNull() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> FakeDaemon.noContent(out));
        Api api = new Api(daemon.socket());
        assertEquals(null, api.post("/v1/containers/x/start", null));
        assertEquals("0", daemon.requests.get(0).headers.get("content-length"));
    }

    @Test
    void chunkedBodyWithExtensionsAndTrailers() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> {
            raw(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n");
            raw(out, "5\r\n[{\"a\"\r\n");
            raw(out, "A;ext=1\r\n:1},{\"b\":2\r\n");
            raw(out, "2\r\n}]\r\n0\r\nX-Trailer: y\r\n\r\n");
        });
        Object o = new Api(daemon.socket()).get("/v1/containers");
        assertEquals(List.of(Map.of("a", 1), Map.of("b", 2)), o);
    }

    @Test
    void bodyDelimitedByClose() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> raw(out, "HTTP/1.1 200 OK\r\n\r\n{\"x\":true}"));
        assertEquals(Map.of("x", true), new Api(daemon.socket()).get("/v1/info"));
    }

    @Test
    void truncatedContentLengthBodyIsAnError() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> raw(out, "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{\"x\":"));
        CliException e = assertThrows(CliException.class, () -> new Api(daemon.socket()).get("/v1/info"));
        assertTrue(e.getMessage().contains("bytes before the end of the body"), e.getMessage());
    }

    @Test
    void errorJsonBecomesTheDaemonsMessage() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> FakeDaemon.error(out, 404, "start container 3f2a: no such container"));
        ApiException e = assertThrows(ApiException.class, () -> new Api(daemon.socket()).post("/v1/containers/3f2a/start", null));
        assertEquals(404, e.status());
        assertEquals("start container 3f2a: no such container", e.getMessage());
    }

    @Test
    void nonJsonErrorFallsBackToStatusAndText() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> raw(out, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 4\r\nContent-Type: text/plain\r\n\r\noops"));
        ApiException e = assertThrows(ApiException.class, () -> new Api(daemon.socket()).get("/v1/info"));
        assertEquals("berthd answered 502: oops", e.getMessage());
    }

    @Test
    void upgradeThenFramesInTheSameWriteAsThe101() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> {
            assertEquals("Upgrade", req.headers.get("connection"));
            assertEquals("berth-stream", req.headers.get("upgrade"));
            // the client's stdin frames arrive on the same connection
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: berth-stream\r\n\r\n".getBytes());
            all.write(Frames.encode(1, "early".getBytes(), 0, 5));
            out.write(all.toByteArray());
            Frames.Frame f = Frames.read(in);
            FakeDaemon.frame(out, 2, "got:" + f.stream + ":" + new String(f.payload, StandardCharsets.UTF_8));
            FakeDaemon.frame(out, 3, "0");
        });
        try (HttpResponse r = new UnixHttpClient(daemon.socket()).upgrade("POST", "/v1/containers/c/attach", null)) {
            assertEquals(101, r.status());
            Frames.Frame early = Frames.read(r.body());
            assertEquals("early", new String(early.payload, StandardCharsets.UTF_8));
            Frames.write(r.upgradedOutput(), Frames.STDIN, "ping".getBytes(), 0, 4);
            Frames.Frame echo = Frames.read(r.body());
            assertEquals(2, echo.stream);
            assertEquals("got:0:ping", new String(echo.payload, StandardCharsets.UTF_8));
            assertEquals(3, Frames.read(r.body()).stream);
        }
    }

    @Test
    void upgradeRefusedWithAnErrorResponse() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> FakeDaemon.error(out, 409, "attach container c: container is not running"));
        ApiException e = assertThrows(ApiException.class,
                () -> new UnixHttpClient(daemon.socket()).upgrade("POST", "/v1/containers/c/attach", null));
        assertEquals(409, e.status());
        assertEquals("attach container c: container is not running", e.getMessage());
    }

    @Test
    void missingSocketGivesTheClearMessage() {
        Path sock = dir.resolve("nothing.sock");
        CliException e = assertThrows(CliException.class, () -> new Api(sock).get("/v1/version"));
        assertTrue(e.getMessage().startsWith("cannot connect to berthd at " + sock + ": is the daemon running? ("), e.getMessage());
    }

    @Test
    void refusedConnectionGivesTheClearMessage() throws Exception {
        Path sock = dir.resolve("stale.sock");
        // a socket file nobody listens on any more: connect(2) answers ECONNREFUSED
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(sock));
        s.close();
        assertTrue(sock.toFile().exists());
        CliException e = assertThrows(CliException.class, () -> new Api(sock).get("/v1/version"));
        assertTrue(e.getMessage().startsWith("cannot connect to berthd at " + sock + ": is the daemon running? ("), e.getMessage());
        assertTrue(e.getMessage().toLowerCase().contains("refused"), e.getMessage());
        assertEquals(125, e.exitCode());
    }

    @Test
    void encodesRefsAsOnePathSegment() {
        assertEquals("/v1/images/localhost%2Fbusybox:latest", Api.image("localhost/busybox:latest"));
        assertEquals("/v1/containers/a%20b%3F%26", Api.container("a b?&"));
        assertEquals("sha256:ab", Api.enc("sha256:ab"));
    }
}
