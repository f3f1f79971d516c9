package dev.berth.daemon.api.model;

import java.time.Instant;
import java.util.List;

/**
 * GET /v1/containers/{ref}. {@code resourceViews}: whether berth-viewfs's views were bound at create (null: not
 * recorded); {@code syscallViews}: whether its sysinfo and sched_getaffinity are answered by berth-viewfs.
 * {@code network}: null for a container without a network mode (a pod's).
 */
public record ContainerInspect(String id, String name, String image, String imageId, List<String> command,
        Instant createdAt, ContainerCreate config, State state, String bundle, String rootfs, String logPath,
        String cgroupsPath, Integer shimPid, Boolean resourceViews, Boolean syscallViews, Network network) {

    /** {@code mode} as asked (bridge, none, host or a network's name); the rest only on a bridge network. */
    public record Network(String mode, String name, String ipAddress, List<Port> ports) {
    }

    /** A published port; {@code hostIp} empty: every host address. */
    public record Port(String hostIp, int hostPort, int containerPort, String protocol) {
    }

    /**
     * {@code paused}: running with its processes frozen (berth pause); {@code restartCount}: the restarts its
     * restart policy made since the user last started it.
     */
    public record State(String status, boolean running, Integer pid, Integer exitCode, boolean oomKilled,
            Instant startedAt, Instant finishedAt, String reason, String error, boolean paused, int restartCount) {
    }
}
