package dev.berth.daemon.store;

import java.time.Instant;

/**
 * The mutable half of a container, persisted in state.json on every change.
 *
 * @param status creating (record written, shim not yet launched: recovery deletes it), created,
 *               running, exited
 * @param paused a running container whose processes are frozen (berth pause); absent in older files: false
 * @param restartCount  the restarts its restart policy made since the user last started it
 * @param stoppedByUser the user stopped or killed it: its restart policy leaves it alone until started again
 */
public record ContainerState(
        String status,
        Integer pid,
        Integer shimPid,
        Instant startedAt,
        Instant finishedAt,
        Integer exitCode,
        boolean oomKilled,
        String reason,
        String error,
        boolean paused,
        int restartCount,
        boolean stoppedByUser) {

    public static final String CREATING = "creating";
    public static final String CREATED = "created";
    public static final String RUNNING = "running";
    public static final String EXITED = "exited";

    public static ContainerState creating() {
        return new ContainerState(CREATING, null, null, null, null, null, false, null, null, false, 0, false);
    }

    public ContainerState launched(int pid, int shimPid) {
        return new ContainerState(CREATED, pid, shimPid, null, null, null, false, null, null, false, restartCount,
                stoppedByUser);
    }

    public ContainerState started(Instant at) {
        return new ContainerState(RUNNING, pid, shimPid, at, null, null, false, null, null, false, restartCount, false);
    }

    public ContainerState exited(int code, boolean oom, Instant at, String why) {
        return new ContainerState(EXITED, null, null, startedAt, at, code, oom, why, error, false, restartCount,
                stoppedByUser);
    }

    public ContainerState withPaused(boolean frozen) {
        return new ContainerState(status, pid, shimPid, startedAt, finishedAt, exitCode, oomKilled, reason, error, frozen,
                restartCount, stoppedByUser);
    }

    public ContainerState withRestarts(int count, boolean byUser) {
        return new ContainerState(status, pid, shimPid, startedAt, finishedAt, exitCode, oomKilled, reason, error, paused,
                count, byUser);
    }

    public boolean isRunning() {
        return RUNNING.equals(status);
    }

    /** A shim holds the container: created or running. */
    public boolean hasShim() {
        return CREATED.equals(status) || RUNNING.equals(status);
    }
}
