package dev.berth.shim;

import java.util.Optional;

/**
 * The end of a watch: the container's exit if it is known, and why the watch ended
 * ({@link #EXITED} or {@link #SHIM_DIED}: the shim went away without reporting an exit).
 */
public record WatchResult(String id, Optional<ExitStatus> status, String reason) {
    public static final String EXITED = "exited";
    public static final String SHIM_DIED = "shim died";
}
