package dev.berth.daemon.runtime;

import java.util.OptionalInt;

/**
 * Whether an OCI runtime's failure was the container's command not starting, and the exit code Podman and
 * Docker give it: 127 when the command does not exist, 126 when it cannot be invoked. runc names the
 * command in its {@code exec: "CMD": REASON} form; the docker CLI classifies the same text.
 */
public final class CommandStartFailure {
    public static final int CANNOT_INVOKE = 126;
    public static final int NOT_FOUND = 127;

    private CommandStartFailure() {
    }

    /** The exit code for {@code message}, or empty when it is not about starting the command. */
    public static OptionalInt exitCode(String message) {
        int at = message == null ? -1 : message.indexOf("exec: \"");
        if (at < 0) {
            return OptionalInt.empty();
        }
        String reason = message.substring(at);
        if (reason.contains("executable file not found") || reason.contains("no such file or directory")) {
            return OptionalInt.of(NOT_FOUND);
        }
        if (reason.contains("permission denied") || reason.contains("not a directory")
                || reason.contains("exec format error") || reason.contains("is a directory")) {
            return OptionalInt.of(CANNOT_INVOKE);
        }
        return OptionalInt.empty();
    }
}
