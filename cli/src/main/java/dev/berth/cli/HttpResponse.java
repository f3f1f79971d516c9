package dev.berth.cli;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One response on its own connection. {@link #body()} is already de-chunked / length-bounded; after a
 * 101 it is the raw connection, and {@link #upgradedOutput()} writes to the daemon.
 */
public final class HttpResponse implements Closeable {
    private final UnixHttpClient.Connection connection;
    private final int status;
    private final String reason;
    private final Map<String, String> headers;
    private final InputStream body;

    HttpResponse(UnixHttpClient.Connection connection, int status, String reason, Map<String, String> headers,
                 InputStream body) {
        this.connection = connection;
        this.status = status;
        this.reason = reason;
        this.headers = headers;
        this.body = body;
    }

    public int status() {
        return status;
    }

    public String reason() {
        return reason;
    }

    /** Header value by lower-case name, or null. */
    public String header(String lowerCaseName) {
        return headers.get(lowerCaseName);
    }

    public InputStream body() {
        return body;
    }

    /** The daemon-bound side of an upgraded connection. */
    public OutputStream upgradedOutput() {
        if (status != 101) {
            throw new IllegalStateException("not an upgraded connection (status " + status + ")");
        }
        return connection.out;
    }

    public byte[] readBody() throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] b = new byte[8192];
        int n;
        while ((n = body.read(b)) > 0) {
            buf.write(b, 0, n);
        }
        return buf.toByteArray();
    }

    public String readBodyString() throws IOException {
        return new String(readBody(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        connection.close();
    }
}
