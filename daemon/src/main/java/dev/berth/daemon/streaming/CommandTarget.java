package dev.berth.daemon.streaming;

import dev.berth.shim.FrameStream;

/** An exec or attach request behind a token: the process to stream and which of its streams. */
sealed interface CommandTarget permits ExecTarget, AttachTarget {
    String containerId();

    Streams streams();

    /** "exec in container ID"-style, for messages and logs. */
    String operation();

    /** Whether the stream ends with the process's exit code (exec) or just ends (attach). */
    boolean reportsExitCode();

    FrameStream open(StreamingBackend backend);
}
