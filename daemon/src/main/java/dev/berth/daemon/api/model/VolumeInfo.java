package dev.berth.daemon.api.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A volume as GET /v1/volumes shows it: {@code mountpoint} is its content's directory, {@code usedBy} container ids. */
public record VolumeInfo(String name, Instant createdAt, Map<String, String> labels, boolean anonymous,
        String mountpoint, List<String> usedBy) {
}
