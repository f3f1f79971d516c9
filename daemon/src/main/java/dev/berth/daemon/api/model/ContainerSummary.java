package dev.berth.daemon.api.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One row of GET /v1/containers. {@code reason} says why the container is in its state: an exit's reason
 * ("OOMKilled"), or what is wrong with a broken container's files. {@code paused}: running, frozen (berth pause).
 */
public record ContainerSummary(String id, String name, String image, String imageId, List<String> command,
        Instant createdAt, String state, Instant startedAt, Instant finishedAt, Integer exitCode, Integer pid,
        String reason, Map<String, String> labels, boolean paused) {
}
