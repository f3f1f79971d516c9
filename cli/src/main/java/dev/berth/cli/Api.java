package dev.berth.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** berthd's REST calls as the commands use them: JSON in, parsed JSON out, errors as exceptions. */
public final class Api {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    private final UnixHttpClient http;

    public Api(Path socket) {
        this.http = new UnixHttpClient(socket);
    }

    public UnixHttpClient http() {
        return http;
    }

    public Object get(String target) {
        return call("GET", target, null);
    }

    public Object post(String target, Object body) {
        return call("POST", target, body);
    }

    public Object delete(String target) {
        return call("DELETE", target, null);
    }

    /** One request; returns the parsed JSON body, or null for an empty one (204). */
    public Object call(String method, String target, Object body) {
        try {
            byte[] json = body == null ? null : Json.bytes(body);
            try (HttpResponse r = http.send(method, target, json)) {
                if (r.status() >= 300) {
                    throw UnixHttpClient.errorOf(r);
                }
                byte[] b = r.readBody();
                if (b.length == 0) {
                    return null;
                }
                return Json.parse(b);
            }
        } catch (IOException e) {
            throw ioError(method, target, e);
        }
    }

    /** A streaming GET (logs): the caller reads and closes the body. */
    public HttpResponse stream(String target) {
        try {
            HttpResponse r = http.send("GET", target, null);
            if (r.status() >= 300) {
                try {
                    throw UnixHttpClient.errorOf(r);
                } finally {
                    r.close();
                }
            }
            return r;
        } catch (IOException e) {
            throw ioError("GET", target, e);
        }
    }

    public HttpResponse upgrade(String target, Object body) {
        try {
            return http.upgrade("POST", target, body == null ? null : Json.bytes(body));
        } catch (IOException e) {
            throw ioError("POST", target, e);
        }
    }

    static CliException ioError(String method, String target, IOException e) {
        return new CliException(method + " " + target + " on berthd failed: " + e.getMessage(), e);
    }

    /** Percent-encodes one path segment or query value (an image ref carries '/'). */
    public static String enc(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(b.length + 8);
        for (byte x : b) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~' || c == ':' || c == '@') {
                sb.append((char) c);
            } else {
                sb.append('%').append(HEX[c >> 4]).append(HEX[c & 15]);
            }
        }
        return sb.toString();
    }

    public static String container(String ref) {
        return "/v1/containers/" + enc(ref);
    }

    public static String image(String ref) {
        return "/v1/images/" + enc(ref);
    }
}
