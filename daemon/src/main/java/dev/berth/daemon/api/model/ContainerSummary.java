package dev.berth.daemon.api.model;

import java.time.Instant;
import java.util.List;

/** One row of GET /v1/containers. */
public record ContainerSummary(String id, String name, String image, String imageId, List<String> command,
        Instant createdAt, String state, Instant startedAt, Instant finishedAt, Integer exitCode, Integer pid) {
}
