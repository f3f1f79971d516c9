package dev.berth.daemon.api.model;

import java.time.Instant;
import java.util.List;

/**
 * GET /v1/containers/{ref}. {@code resourceViews}: whether berth-viewfs's views were bound at create (null: not
 * recorded); {@code syscallViews}: whether its sysinfo and sched_getaffinity are answered by berth-viewfs.
 */
public record ContainerInspect(String id, String name, String image, String imageId, List<String> command,
        Instant createdAt, ContainerCreate config, State state, String bundle, String rootfs, String logPath,
        String cgroupsPath, Integer shimPid, Boolean resourceViews, Boolean syscallViews) {

    public record State(String status, boolean running, Integer pid, Integer exitCode, boolean oomKilled,
            Instant startedAt, Instant finishedAt, String reason, String error) {
    }
}
