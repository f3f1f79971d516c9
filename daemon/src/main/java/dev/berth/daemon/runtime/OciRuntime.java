package dev.berth.daemon.runtime;

import java.nio.file.Path;

/** The OCI runtime operations berthd runs itself; create and exec go through the shim. */
public interface OciRuntime {
    String name();

    /** The executable the shim runs for create and exec. */
    Path binary();

    /** The runtime's state directory ({@code --root}). */
    Path root();

    String version();

    /**
     * Whether bind mounts can be made read-only with every mount below them ({@code rro}): the runtime knows
     * the option and the kernel has mount_setattr(2).
     */
    boolean recursiveReadOnly();

    void start(String id);

    /** Whether the container is created and still waits for {@link #start}; false when it is gone. */
    boolean awaitsStart(String id);

    void kill(String id, int signal, boolean all);

    /** Freezes every process of the container (the cgroup freezer). */
    void pause(String id);

    /** Thaws a paused container. */
    void resume(String id);

    /** Deletes the runtime's state and cgroup; succeeds when the container is already gone. */
    void delete(String id);
}
