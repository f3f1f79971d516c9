package dev.berth.oci;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

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

    /**
     * What went wrong in an I/O call, as a message says it: the system's reason ("no space left on device")
     * without the exception's class name, which {@code e.toString()} would put before it, and without the
     * path a FileSystemException repeats (the message names the file already).
     */
    public static String describe(IOException e) {
        String reason = e instanceof FileSystemException f ? f.getReason() : e.getMessage();
        if (reason == null && e instanceof FileSystemException) {
            // These carry no reason, only the path, and their class says what the system said.
            reason = e instanceof NoSuchFileException ? "no such file or directory"
                    : e instanceof FileAlreadyExistsException ? "file exists"
                    : e instanceof AccessDeniedException ? "permission denied"
                    : e instanceof NotDirectoryException ? "not a directory"
                    : e instanceof DirectoryNotEmptyException ? "directory not empty" : null;
        }
        if (reason == null || reason.isBlank()) {
            return "input/output error";
        }
        // strerror's capital ("No space left on device") starts a sentence; here the reason ends one.
        return Character.toLowerCase(reason.charAt(0)) + reason.substring(1);
    }
}
