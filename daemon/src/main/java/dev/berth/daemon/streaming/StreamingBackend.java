package dev.berth.daemon.streaming;

import dev.berth.shim.ExecSession;
import dev.berth.shim.FrameStream;
import java.nio.file.Path;
import java.util.List;

/**
 * What the streaming server needs from the rest of Berth. The calls block (they talk to the shim) and
 * are made on a session's own threads, never on an event loop; failures are {@code BerthException}s
 * whose message names the operation and the container.
 */
public interface StreamingBackend {
    /** Starts {@code cmd} in the container; the session carries its stdio and ends with its exit frame. */
    ExecSession exec(String containerId, List<String> cmd, boolean tty, boolean stdin);

    /** Streams the container's output from now on and takes its stdin and resize frames. */
    FrameStream attach(String containerId);

    /** A file bound to the pod's network namespace, or null when the pod uses the host's. */
    Path podNetns(String podSandboxId);
}
