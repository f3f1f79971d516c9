package dev.berth.image;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-test HTTP front for a real registry: forwards GETs (with their Range), and on request corrupts
 * blobs, breaks off a blob half way (a given number of times, or always after running a hook, e.g. killing
 * the registry), ignores Range headers, or demands bearer tokens from its own token endpoint ({@code /token},
 * basic credentials, or an OAuth2 refresh-token grant POSTed to it), the way Docker Hub's auth works. Logs
 * request paths, the Range of blob requests and the last token request's form.
 */
final class RegistryProxy implements AutoCloseable {
    private final HttpServer server;
    private final String upstream;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    final Queue<String> requests = new ConcurrentLinkedQueue<>();
    final AtomicInteger tokensIssued = new AtomicInteger();
    volatile boolean corruptBlobs;
    /** Blob hex -> the hex of another blob of the repository to send in its place. */
    volatile Map<String, String> blobSubstitutes = Map.of();
    /** Run when a blob larger than 1 KiB is half sent; the connection then drops. */
    volatile Runnable breakMidBlob;
    /** How many more blobs larger than 1 KiB to break off half way. */
    final AtomicInteger cutsLeft = new AtomicInteger();
    /** Answer ranged blob requests with the whole blob (200), as registries without Range support do. */
    volatile boolean ignoreRange;
    /** "digest-hex range" for each blob request, range "-" when it had none. */
    final Queue<String> blobRanges = new ConcurrentLinkedQueue<>();
    /** When set, /v2/ wants a bearer token; /token issues one for these basic credentials. */
    volatile String tokenUser;
    volatile String tokenPassword;
    /** When set, a POST to /token with grant_type=refresh_token and this refresh_token gets an access_token. */
    volatile String refreshToken;
    /** The form of the last POST to /token. */
    volatile Map<String, String> lastTokenForm = Map.of();

    RegistryProxy(String upstreamHost) throws IOException {
        this.upstream = "http://" + upstreamHost;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
    }

    String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        requests.add(path);
        if (path.equals("/token")) {
            issueToken(ex);
            return;
        }
        if (tokenUser != null || refreshToken != null) {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (auth == null || !auth.startsWith("Bearer tok-")) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"http://" + host()
                        + "/token\",service=\"berth-test\",scope=\"repository:app:pull\"");
                reply(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}".getBytes());
                return;
            }
        }
        String upstreamPath = ex.getRequestURI().toString();
        for (Map.Entry<String, String> sub : blobSubstitutes.entrySet()) {
            if (path.contains("/blobs/")) upstreamPath = upstreamPath.replace(sub.getKey(), sub.getValue());
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(upstream + upstreamPath)).GET();
        String accept = ex.getRequestHeaders().getFirst("Accept");
        if (accept != null) b.header("Accept", accept);
        String range = ex.getRequestHeaders().getFirst("Range");
        if (path.contains("/blobs/")) {
            blobRanges.add(path.substring(path.lastIndexOf(':') + 1) + " " + (range == null ? "-" : range));
        }
        if (range != null && !ignoreRange) b.header("Range", range);
        HttpResponse<byte[]> resp;
        try {
            resp = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            throw new IOException(e);
        } catch (IOException upstreamGone) {
            reply(ex, 502, new byte[0]);
            return;
        }
        for (String h : List.of("Content-Type", "Docker-Content-Digest", "WWW-Authenticate", "Location", "Content-Range")) {
            resp.headers().firstValue(h).ifPresent(v -> ex.getResponseHeaders().add(h, v));
        }
        byte[] body = resp.body();
        boolean blob = path.contains("/blobs/") && (resp.statusCode() == 200 || resp.statusCode() == 206);
        if (blob && corruptBlobs && body.length > 0) {
            body = body.clone();
            body[body.length / 2] ^= 0x01;
        }
        Runnable breaker = breakMidBlob;
        boolean cut = blob && body.length > 1024
                && (breaker != null || cutsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0);
        if (cut) {
            ex.sendResponseHeaders(resp.statusCode(), body.length);
            OutputStream out = ex.getResponseBody();
            out.write(body, 0, body.length / 2);
            out.flush();
            if (breaker != null) breaker.run();
            // An exception out of a handler makes the JDK server drop the connection mid-body.
            throw new IOException("registry went away");
        }
        reply(ex, resp.statusCode(), body);
    }

    private void issueToken(HttpExchange ex) throws IOException {
        if (ex.getRequestMethod().equals("POST")) {
            issueRefreshedToken(ex);
            return;
        }
        String want = "Basic " + Base64.getEncoder().encodeToString((tokenUser + ":" + tokenPassword).getBytes(StandardCharsets.UTF_8));
        if (!want.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            reply(ex, 401, "{\"details\":\"incorrect username or password\"}".getBytes());
            return;
        }
        int n = tokensIssued.incrementAndGet();
        reply(ex, 200, ("{\"token\":\"tok-" + n + "\",\"expires_in\":300}").getBytes());
    }

    /** OAuth2: a refused grant is 400 invalid_grant, not 401. */
    private void issueRefreshedToken(HttpExchange ex) throws IOException {
        Map<String, String> form = new HashMap<>();
        for (String pair : new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).split("&")) {
            int eq = pair.indexOf('=');
            form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        lastTokenForm = form;
        if (refreshToken == null || !"refresh_token".equals(form.get("grant_type"))
                || !refreshToken.equals(form.get("refresh_token"))) {
            reply(ex, 400, "{\"error\":\"invalid_grant\"}".getBytes());
            return;
        }
        int n = tokensIssued.incrementAndGet();
        reply(ex, 200, ("{\"access_token\":\"tok-" + n + "\",\"expires_in\":300,\"refresh_token\":\"" + refreshToken
                + "\"}").getBytes());
    }

    private static void reply(HttpExchange ex, int code, byte[] body) throws IOException {
        ex.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    long blobRequests(String digestHex) {
        return requests.stream().filter(p -> p.contains("/blobs/") && p.endsWith(digestHex)).count();
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
