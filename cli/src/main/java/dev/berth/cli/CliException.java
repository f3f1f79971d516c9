package dev.berth.cli;

/**
 * An error the user should see as {@code Error: <message>}; the message is already phrased for humans
 * (the daemon's own message for API errors).
 */
public class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    public CliException(String message) {
        this(message, Main.EXIT_BERTH_ERROR, null);
    }

    public CliException(String message, Throwable cause) {
        this(message, Main.EXIT_BERTH_ERROR, cause);
    }

    public CliException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
