package dev.berth.daemon.api.model;

import java.time.Instant;
import java.util.Map;

/**
 * One line of GET /v1/events: a container's {@code create}, {@code start}, {@code die} (with its
 * {@code exitCode}) or {@code destroy}, as Docker names them.
 */
public record ContainerEvent(Instant time, String type, String action, String id, String name, String image,
        Integer exitCode, Map<String, String> labels) {
}
