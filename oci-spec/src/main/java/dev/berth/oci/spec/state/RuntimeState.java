package dev.berth.oci.spec.state;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Map;

/**
 * The output of {@code runc state ID}. status is creating, created, running, paused or stopped;
 * pid is 0 once stopped. created is RFC 3339 with nanoseconds, kept as text so that no JSR-310
 * module is needed; {@link #createdAt()} parses it.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public record RuntimeState(
        String ociVersion,
        String id,
        String status,
        int pid,
        String bundle,
        String rootfs,
        Map<String, String> annotations,
        String created,
        String owner) {

    public static final String CREATING = "creating";
    public static final String CREATED = "created";
    public static final String RUNNING = "running";
    public static final String PAUSED = "paused";
    public static final String STOPPED = "stopped";

    /** created as an Instant, or null when absent. */
    public Instant createdAt() {
        return created == null || created.isEmpty() ? null : Instant.parse(created);
    }
}
