package dev.berth.oci;

/**
 * The one exception type of Berth's modules. The kind decides the status at the API edge (HTTP or
 * gRPC); the message names the operation and the object ("start container 3f2a…: …").
 */
public class BerthException extends RuntimeException {
    public enum Kind { NOT_FOUND, ALREADY_EXISTS, INVALID_ARGUMENT, FAILED_PRECONDITION, UNAVAILABLE, INTERNAL }

    private final Kind kind;

    public BerthException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public BerthException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public static BerthException notFound(String message) {
        return new BerthException(Kind.NOT_FOUND, message);
    }

    public static BerthException invalid(String message) {
        return new BerthException(Kind.INVALID_ARGUMENT, message);
    }

    public static BerthException conflict(String message) {
        return new BerthException(Kind.FAILED_PRECONDITION, message);
    }

    public static BerthException internal(String message, Throwable cause) {
        return new BerthException(Kind.INTERNAL, message, cause);
    }
}
