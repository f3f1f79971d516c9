package dev.berth.daemon.streaming;

import dev.berth.oci.BerthException;

/**
 * Which of a command's streams the client wants, as in the CRI Exec/Attach request. With a terminal the
 * process has no separate stderr: it shares the terminal with stdout.
 */
public record Streams(boolean stdin, boolean stdout, boolean stderr, boolean tty) {

    /** Rejects the combinations kubelet rejects; {@code op} names the request in the message. */
    void validate(String op) {
        if (!stdin && !stdout && !stderr) {
            throw BerthException.invalid(op + ": one of stdin, stdout or stderr is required");
        }
        if (tty && stderr) {
            throw BerthException.invalid(op + ": tty and stderr cannot both be set");
        }
    }
}
