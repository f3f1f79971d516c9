package dev.berth.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** Just enough of berthd for the client's tests: a unix-socket HTTP/1.1 server, one request per connection. */
final class FakeDaemon implements AutoCloseable {
    interface Handler {
        void handle(Request req, InputStream in, OutputStream out) throws Exception;
    }

    static final class Request {
        final String method;
        final String target;
        final Map<String, String> headers;
        final byte[] body;

        Request(String method, String target, Map<String, String> headers, byte[] body) {
            this.method = method;
            this.target = target;
            this.headers = headers;
            this.body = body;
        }

        String body() {
            return new String(body, StandardCharsets.UTF_8);
        }

        Map<String, Object> json() throws IOException {
            return Json.map(Json.parse(body));
        }

        @Override
        public String toString() {
            return method + " " + target;
        }
    }

    private final Path socket;
    private final ServerSocketChannel server;
    private final Handler handler;
    final List<Request> requests = new CopyOnWriteArrayList<>();
    final List<Throwable> failures = new CopyOnWriteArrayList<>();

    FakeDaemon(Path dir, Handler handler) throws IOException {
        this.socket = dir.resolve("berth.sock");
        this.handler = handler;
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread t = new Thread(this::acceptLoop, "fake-berthd");
        t.setDaemon(true);
        t.start();
    }

    Path socket() {
        return socket;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel ch = server.accept();
                Thread t = new Thread(() -> serve(ch), "fake-berthd-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(SocketChannel ch) {
        try (ch) {
            UnixHttpClient.ChannelIn in = new UnixHttpClient.ChannelIn(ch);
            UnixHttpClient.ChannelOut out = new UnixHttpClient.ChannelOut(ch);
            String line = UnixHttpClient.readLine(in);
            if (line == null) {
                return;
            }
            String[] rl = line.split(" ");
            Map<String, String> headers = new HashMap<>();
            String h;
            while ((h = UnixHttpClient.readLine(in)) != null && !h.isEmpty()) {
                int c = h.indexOf(':');
                headers.put(h.substring(0, c).trim().toLowerCase(), h.substring(c + 1).trim());
            }
            int len = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            byte[] body = in.readNBytes(len);
            Request req = new Request(rl[0], rl[1], headers, body);
            requests.add(req);
            handler.handle(req, in, out);
            out.flush();
        } catch (Throwable e) {
            failures.add(e);
        }
    }

    static void json(OutputStream out, int status, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: " + b.length
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(b);
    }

    static void noContent(OutputStream out) throws IOException {
        out.write("HTTP/1.1 204 No Content\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    static void error(OutputStream out, int status, String message) throws IOException {
        json(out, status, "{\"message\":\"" + message + "\"}");
    }

    static void switching(OutputStream out) throws IOException {
        out.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: berth-stream\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
    }

    static void frame(OutputStream out, int stream, String payload) throws IOException {
        byte[] p = payload.getBytes(StandardCharsets.UTF_8);
        out.write(Frames.encode(stream, p, 0, p.length));
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(socket);
    }
}
