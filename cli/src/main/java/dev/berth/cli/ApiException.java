package dev.berth.cli;

/** A non-2xx answer of berthd; the message is the daemon's {@code message} field. */
public final class ApiException extends CliException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final int commandExitCode;

    public ApiException(int status, String message) {
        this(status, message, 0);
    }

    /** {@code commandExitCode}: 126/127 when the container's command did not start (berthd says which), else 0. */
    public ApiException(int status, String message, int commandExitCode) {
        super(message);
        this.status = status;
        this.commandExitCode = commandExitCode;
    }

    public int commandExitCode() {
        return commandExitCode;
    }

    public int status() {
        return status;
    }

    public boolean isNotFound() {
        return status == 404;
    }
}
