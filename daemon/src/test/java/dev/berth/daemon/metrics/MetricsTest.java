package dev.berth.daemon.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.daemon.api.ApiHandler;
import dev.berth.daemon.api.ApiServer;
import dev.berth.daemon.api.ConnectionPolicy;
import dev.berth.daemon.api.SocketAccess;
import dev.berth.oci.BerthException;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsTest {
    @TempDir
    Path dir;

    @Test
    void theRegistryWritesTheTextFormat() {
        MetricsRegistry r = new MetricsRegistry();
        MetricsRegistry.Counter c = r.counter("t_total", "a counter", "kind");
        MetricsRegistry.Histogram h = r.histogram("t_seconds", "a histogram", new double[] {0.1, 1}, "op");
        r.gauge("t_things", "a gauge", "state", () -> Map.of("odd\"one", 2));
        c.inc(1, "a");
        c.inc(2, "a");
        h.observe(0.05, "x");
        h.observe(0.5, "x");
        h.observe(5, "x");
        String text = r.scrape();
        assertTrue(text.contains("# HELP t_total a counter\n# TYPE t_total counter\nt_total{kind=\"a\"} 3\n"), text);
        assertTrue(text.contains("# TYPE t_seconds histogram\n"
                + "t_seconds_bucket{op=\"x\",le=\"0.1\"} 1\n"
                + "t_seconds_bucket{op=\"x\",le=\"1\"} 2\n"
                + "t_seconds_bucket{op=\"x\",le=\"+Inf\"} 3\n"
                + "t_seconds_sum{op=\"x\"} 5.55\n"
                + "t_seconds_count{op=\"x\"} 3\n"), text);
        assertTrue(text.contains("t_things{state=\"odd\\\"one\"} 2\n"), text);
    }

    @Test
    void scrapeAfterApiCalls() throws Exception {
        BerthMetrics metrics = new BerthMetrics();
        metrics.sampleContainers(() -> Map.of("running", 2, "exited", 1), () -> 2);
        metrics.recovered(2);
        metrics.oomKill();
        metrics.imagePulled(true);
        metrics.imageBytesPulled(1234);
        ApiHandler.Routes routes = new ApiHandler.Routes()
                .add("GET", "/v1/things/([^/]+)", (ex, m) -> ex.json(HttpResponseStatus.OK, Map.of("id", m.group(1))))
                .add("POST", "/v1/fail", (ex, m) -> {
                    throw BerthException.notFound("fail: nothing here");
                })
                .observe((method, route, status, nanos) -> metrics.apiRequest(method, route, status, nanos / 1e9));
        Path socket = dir.resolve("api.sock");
        ApiServer api = new ApiServer(socket, SocketAccess.rootOnly(), routes, ConnectionPolicy.UNLIMITED);
        api.start();
        try (MetricsServer server = MetricsServer.start(0, metrics.registry())) {
            assertTrue(call(socket, "GET /v1/things/a").startsWith("HTTP/1.1 200"));
            assertTrue(call(socket, "GET /v1/things/b").startsWith("HTTP/1.1 200"));
            assertTrue(call(socket, "POST /v1/fail").startsWith("HTTP/1.1 404"));
            assertTrue(call(socket, "GET /elsewhere").startsWith("HTTP/1.1 404"));

            HttpResponse<String> scraped = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, scraped.statusCode());
            assertTrue(scraped.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
            String text = scraped.body();
            assertTrue(text.contains("berth_api_request_duration_seconds_count{method=\"GET\",route=\"/v1/things/{ref}\",code=\"200\"} 2\n"), text);
            assertTrue(text.contains("berth_api_request_duration_seconds_count{method=\"POST\",route=\"/v1/fail\",code=\"404\"} 1\n"), text);
            assertTrue(text.contains("berth_api_request_duration_seconds_count{method=\"GET\",route=\"unmatched\",code=\"404\"} 1\n"), text);
            assertTrue(text.contains("berth_containers{state=\"running\"} 2\n"), text);
            assertTrue(text.contains("berth_shims 2\n"), text);
            assertTrue(text.contains("berth_recovered_containers_total 2\n"), text);
            assertTrue(text.contains("berth_oom_kills_total 1\n"), text);
            assertTrue(text.contains("berth_image_pulls_total{result=\"success\"} 1\n"), text);
            assertTrue(text.contains("berth_image_pull_bytes_total 1234\n"), text);
            assertTrue(server.address().getAddress().isLoopbackAddress(), server.address().toString());
        } finally {
            api.close();
        }
    }

    /** One request over the unix socket, connection closed after the answer. */
    private static String call(Path socket, String requestLine) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap((requestLine + " HTTP/1.1\r\nHost: d\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buf = ByteBuffer.allocate(65536);
            while (ch.read(buf) >= 0) {
                if (!buf.hasRemaining()) {
                    break;
                }
            }
            return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
        }
    }
}
