package dev.berth.cli;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The smallest HTTP/1.1 client berthd needs: one request per connection over a unix socket, bodies
 * framed by Content-Length, chunked encoding or connection close, and the 101 upgrade for attach/exec.
 * Hand-written because every JDK/library client drags in hundreds of classes or cannot do unix sockets,
 * and the CLI is a JVM started per command.
 */
public final class UnixHttpClient {
    static final String USER_AGENT = "berth/" + Main.version();
    private static final int MAX_HEADER_LINE = 16 * 1024;
    private static final int MAX_HEADERS = 200;

    private final Path socket;

    public UnixHttpClient(Path socket) {
        this.socket = socket;
    }

    public Path socket() {
        return socket;
    }

    /** Sends a request and reads the status line and headers; the caller reads the body and closes. */
    public HttpResponse send(String method, String target, byte[] body) throws IOException {
        return exchange(method, target, body, false);
    }

    /**
     * Sends an upgrade request ({@code Upgrade: berth-stream}). A 101 answer is returned as a live
     * connection; any other answer is turned into an {@link ApiException}.
     */
    public HttpResponse upgrade(String method, String target, byte[] body) throws IOException {
        HttpResponse r = exchange(method, target, body, true);
        if (r.status() == 101) {
            return r;
        }
        try {
            throw errorOf(r);
        } finally {
            r.close();
        }
    }

    private HttpResponse exchange(String method, String target, byte[] body, boolean upgrade) throws IOException {
        Connection c = connect();
        try {
            StringBuilder req = new StringBuilder(160);
            req.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
            req.append("Host: berthd\r\n");
            req.append("User-Agent: ").append(USER_AGENT).append("\r\n");
            if (upgrade) {
                req.append("Connection: Upgrade\r\nUpgrade: berth-stream\r\n");
            } else {
                req.append("Connection: close\r\n");
            }
            if (body != null) {
                req.append("Content-Type: application/json\r\n");
                req.append("Content-Length: ").append(body.length).append("\r\n");
            } else if (!"GET".equals(method) && !"HEAD".equals(method) && !"DELETE".equals(method)) {
                req.append("Content-Length: 0\r\n");
            }
            req.append("\r\n");
            byte[] head = req.toString().getBytes(StandardCharsets.UTF_8);
            if (body != null && body.length > 0) {
                byte[] all = new byte[head.length + body.length];
                System.arraycopy(head, 0, all, 0, head.length);
                System.arraycopy(body, 0, all, head.length, body.length);
                head = all;
            }
            c.out.write(head);
            c.out.flush();
            return readResponse(c, "HEAD".equals(method));
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private HttpResponse readResponse(Connection c, boolean head) throws IOException {
        String statusLine = readLine(c.in);
        if (statusLine == null) {
            throw new IOException("berthd closed the connection without an answer");
        }
        // "HTTP/1.1 200 OK"
        int sp1 = statusLine.indexOf(' ');
        if (!statusLine.startsWith("HTTP/1.") || sp1 < 0 || statusLine.length() < sp1 + 4) {
            throw new IOException("malformed HTTP status line from berthd: " + statusLine);
        }
        int status;
        try {
            status = Integer.parseInt(statusLine.substring(sp1 + 1, sp1 + 4));
        } catch (NumberFormatException e) {
            throw new IOException("malformed HTTP status line from berthd: " + statusLine, e);
        }
        String reason = statusLine.length() > sp1 + 5 ? statusLine.substring(sp1 + 5) : "";
        Map<String, String> headers = new HashMap<>();
        String line;
        while (true) {
            line = readLine(c.in);
            if (line == null) {
                throw new EOFException("berthd closed the connection in the middle of the headers");
            }
            if (line.isEmpty()) {
                break;
            }
            if (headers.size() >= MAX_HEADERS) {
                throw new IOException("too many headers from berthd");
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("malformed header from berthd: " + line);
            }
            String name = line.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            String prev = headers.get(name);
            headers.put(name, prev == null ? value : prev + ", " + value);
        }
        InputStream body;
        if (status == 101) {
            body = c.in; // the rest of the buffered bytes are already frames
        } else if (head || status == 204 || status == 304 || (status >= 100 && status < 200)) {
            body = InputStream.nullInputStream();
        } else {
            String te = headers.get("transfer-encoding");
            String cl = headers.get("content-length");
            if (te != null && te.toLowerCase(java.util.Locale.ROOT).contains("chunked")) {
                body = new ChunkedInputStream(c.in);
            } else if (cl != null) {
                long len;
                try {
                    len = Long.parseLong(cl.trim());
                } catch (NumberFormatException e) {
                    throw new IOException("malformed Content-Length from berthd: " + cl, e);
                }
                if (len < 0) {
                    throw new IOException("negative Content-Length from berthd: " + cl);
                }
                body = new BoundedInputStream(c.in, len);
            } else {
                body = c.in; // delimited by connection close
            }
        }
        return new HttpResponse(c, status, reason, headers, body);
    }

    /** Reads a CRLF (or bare LF) terminated ISO-8859-1 line; null at EOF before any byte. */
    static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder(64);
        int b;
        boolean any = false;
        while ((b = in.read()) >= 0) {
            any = true;
            if (b == '\n') {
                int n = sb.length();
                if (n > 0 && sb.charAt(n - 1) == '\r') {
                    sb.setLength(n - 1);
                }
                return sb.toString();
            }
            if (sb.length() >= MAX_HEADER_LINE) {
                throw new IOException("HTTP line from berthd too long");
            }
            sb.append((char) b);
        }
        if (!any) {
            return null;
        }
        throw new EOFException("berthd closed the connection in the middle of a line");
    }

    /** Builds the error for a non-2xx answer from its JSON {@code message}, falling back to the status. */
    static ApiException errorOf(HttpResponse r) {
        String text;
        try {
            text = r.readBodyString();
        } catch (IOException e) {
            text = "";
        }
        String message = null;
        int commandExitCode = 0;
        String ct = r.header("content-type");
        if (!text.isBlank() && (ct == null || ct.contains("json") || text.trim().startsWith("{"))) {
            try {
                Object o = Json.parse(text);
                if (o instanceof Map) {
                    Object m = ((Map<?, ?>) o).get("message");
                    if (m != null) {
                        message = m.toString();
                    }
                    if (((Map<?, ?>) o).get("commandExitCode") instanceof Number n) {
                        commandExitCode = n.intValue();
                    }
                }
            } catch (IOException | RuntimeException ignored) {
                // not JSON after all: show the raw text below
            }
        }
        if (message == null) {
            String t = text.trim();
            message = t.isEmpty() ? "berthd answered " + r.status() + " " + r.reason()
                    : "berthd answered " + r.status() + ": " + (t.length() > 500 ? t.substring(0, 500) + "…" : t);
        }
        return new ApiException(r.status(), message, commandExitCode);
    }

    Connection connect() {
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
            return new Connection(ch);
        } catch (IOException e) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // nothing left to release
                }
            }
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            if (why.contains("Permission denied")) {
                // the socket (or RUN_ROOT on the way) is root's and socket_group's: berthd is up, we may not use it
                throw new CliException("permission denied on berthd's socket " + socket + ": run as root, or as a member"
                        + " of the group named by socket_group in /etc/berth/berth.toml", e);
            }
            throw new CliException("cannot connect to berthd at " + socket + ": is the daemon running? (" + why + ")", e);
        }
    }

    /**
     * A connected channel with its own streams. Not Channels.newInputStream/newOutputStream: on JDK 17
     * those take the channel's blocking lock for every read and write, so a blocked read (waiting for
     * container output) would stall the stdin pump's writes on an attach.
     */
    static final class Connection {
        final SocketChannel channel;
        final ChannelIn in;
        final ChannelOut out;

        Connection(SocketChannel channel) {
            this.channel = channel;
            this.in = new ChannelIn(channel);
            this.out = new ChannelOut(channel);
        }

        void close() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing a unix socket has nothing useful to report
            }
        }
    }

    static final class ChannelIn extends InputStream {
        private final SocketChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
        private boolean eof;

        ChannelIn(SocketChannel ch) {
            this.ch = ch;
            buf.flip();
        }

        private boolean fill() throws IOException {
            if (buf.hasRemaining()) {
                return true;
            }
            if (eof) {
                return false;
            }
            buf.clear();
            int n;
            try {
                n = ch.read(buf);
            } catch (java.nio.channels.AsynchronousCloseException e) {
                n = -1;
            }
            buf.flip();
            if (n < 0) {
                eof = true;
                return false;
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            if (!fill()) {
                return -1;
            }
            return buf.get() & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!fill()) {
                return -1;
            }
            int n = Math.min(len, buf.remaining());
            buf.get(b, off, n);
            return n;
        }

        @Override
        public int available() {
            return buf.remaining();
        }
    }

    static final class ChannelOut extends OutputStream {
        private final SocketChannel ch;

        ChannelOut(SocketChannel ch) {
            this.ch = ch;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ByteBuffer bb = ByteBuffer.wrap(b, off, len);
            while (bb.hasRemaining()) {
                ch.write(bb);
            }
        }
    }

    static final class BoundedInputStream extends InputStream {
        private final InputStream in;
        private long remaining;

        BoundedInputStream(InputStream in, long length) {
            this.in = in;
            this.remaining = length;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = in.read();
            if (b < 0) {
                throw new EOFException("berthd closed the connection " + remaining + " bytes before the end of the body");
            }
            remaining--;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n < 0) {
                throw new EOFException("berthd closed the connection " + remaining + " bytes before the end of the body");
            }
            remaining -= n;
            return n;
        }
    }

    static final class ChunkedInputStream extends InputStream {
        private final InputStream in;
        private long chunkLeft;
        private boolean done;

        ChunkedInputStream(InputStream in) {
            this.in = in;
        }

        private boolean nextChunk() throws IOException {
            if (done) {
                return false;
            }
            if (chunkLeft > 0) {
                return true;
            }
            String line = readLine(in);
            if (line == null) {
                throw new EOFException("berthd closed the connection in the middle of a chunked body");
            }
            int semi = line.indexOf(';');
            String hex = (semi >= 0 ? line.substring(0, semi) : line).trim();
            long size;
            try {
                size = Long.parseLong(hex, 16);
            } catch (NumberFormatException e) {
                throw new IOException("malformed chunk size from berthd: " + line, e);
            }
            if (size < 0) {
                throw new IOException("malformed chunk size from berthd: " + line);
            }
            if (size == 0) {
                // trailers end with an empty line
                String t;
                while ((t = readLine(in)) != null && !t.isEmpty()) {
                    // trailers are not used by berthd
                }
                done = true;
                return false;
            }
            chunkLeft = size;
            return true;
        }

        private void endChunkIfDone() throws IOException {
            if (chunkLeft == 0) {
                String crlf = readLine(in);
                if (crlf == null || !crlf.isEmpty()) {
                    throw new IOException("malformed chunked body from berthd: missing CRLF after a chunk");
                }
            }
        }

        @Override
        public int read() throws IOException {
            if (!nextChunk()) {
                return -1;
            }
            int b = in.read();
            if (b < 0) {
                throw new EOFException("berthd closed the connection in the middle of a chunk");
            }
            chunkLeft--;
            endChunkIfDone();
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!nextChunk()) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, chunkLeft));
            if (n < 0) {
                throw new EOFException("berthd closed the connection in the middle of a chunk");
            }
            chunkLeft -= n;
            endChunkIfDone();
            return n;
        }
    }
}
