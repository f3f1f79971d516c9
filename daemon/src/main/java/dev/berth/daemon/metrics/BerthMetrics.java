package dev.berth.daemon.metrics;

import java.util.Map;
import java.util.function.Supplier;

/** berthd's metrics, named once here (docs/api.md lists them). */
public final class BerthMetrics {
    /** Seconds: API calls range from ~100 µs (inspect) to minutes (pull, wait). */
    private static final double[] LATENCY_BOUNDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
        0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

    private final MetricsRegistry registry = new MetricsRegistry();
    private final MetricsRegistry.Histogram apiRequests = registry.histogram("berth_api_request_duration_seconds",
            "REST API request handling time by method and route", LATENCY_BOUNDS, "method", "route", "code");
    private final MetricsRegistry.Counter pulls = registry.counter("berth_image_pulls_total",
            "image pulls that completed", "result");
    private final MetricsRegistry.Counter pullBytes = registry.counter("berth_image_pull_bytes_total",
            "bytes of image layers downloaded and verified");
    private final MetricsRegistry.Counter oomKills = registry.counter("berth_oom_kills_total",
            "container runs ended by the OOM killer");
    private final MetricsRegistry.Counter connectionsRefused = registry.counter("berth_connections_refused_total",
            "connections closed as they were accepted: the socket was at its max_connections", "socket");
    private final MetricsRegistry.Counter connectionsIdleClosed = registry.counter(
            "berth_connections_idle_closed_total",
            "REST API connections closed after connection_idle_timeout with no request in flight", "socket");
    private final MetricsRegistry.Counter recovered = registry.counter("berth_recovered_containers_total",
            "containers re-adopted at start-up, since berthd started");

    /**
     * {@code containersByState}: state name to count; {@code shims}: shims berthd watches. Both are
     * sampled at scrape time from the container index, so they cannot drift from it. Separate from the
     * constructor because the container service itself reports into these metrics.
     */
    public void sampleContainers(Supplier<Map<String, ? extends Number>> containersByState,
            Supplier<? extends Number> shims) {
        registry.gauge("berth_containers", "containers by state", "state", containersByState);
        registry.gauge("berth_shims", "running container shims", shims);
    }

    /** {@code openBySocket}: socket name (api, cri) to its open connections, sampled at scrape time. */
    public void sampleConnections(Supplier<Map<String, ? extends Number>> openBySocket) {
        registry.gauge("berth_connections", "open connections by socket", "socket", openBySocket);
    }

    public void connectionRefused(String socket) {
        connectionsRefused.inc(1, socket);
    }

    public void connectionIdleClosed(String socket) {
        connectionsIdleClosed.inc(1, socket);
    }

    public MetricsRegistry registry() {
        return registry;
    }

    public void apiRequest(String method, String route, int code, double seconds) {
        apiRequests.observe(seconds, method, route, Integer.toString(code));
    }

    public void imagePulled(boolean ok) {
        pulls.inc(1, ok ? "success" : "error");
    }

    public void imageBytesPulled(long bytes) {
        pullBytes.inc(bytes);
    }

    public void oomKill() {
        oomKills.inc(1);
    }

    public void recovered(int containers) {
        recovered.inc(containers);
    }
}
