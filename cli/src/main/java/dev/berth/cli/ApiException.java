package dev.berth.cli;

/** A non-2xx answer of berthd; the message is the daemon's {@code message} field. */
public final class ApiException extends CliException {
    private static final long serialVersionUID = 1L;
    private final int status;

    public ApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public boolean isNotFound() {
        return status == 404;
    }
}
