package dev.berth.daemon.api.model;

import java.time.Instant;

/** GET /v1/containers/{ref}/stats; a limit of -1 is unlimited. */
public record ContainerStats(String id, String name, Instant timestamp, long cpuUsageNanos, long memoryUsage,
        long memoryLimit, long pids, long pidsLimit) {
}
