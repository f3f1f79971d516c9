package dev.berth.daemon.volume;

import java.time.Instant;
import java.util.Map;

/**
 * A named volume: a directory berthd keeps apart from every container, bound into those that name it.
 * {@code anonymous}: made for one container's {@code -v /path} (or its image's VOLUME), removed with it
 * when it was run with {@code --rm} or removed with {@code rm -v}.
 */
public record VolumeRecord(String name, Instant createdAt, Map<String, String> labels, boolean anonymous) {
}
