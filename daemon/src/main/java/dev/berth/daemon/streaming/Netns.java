package dev.berth.daemon.streaming;

import java.io.IOException;
import java.nio.file.Path;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.SaveError;

/**
 * Moves the calling thread into a network namespace. Network namespaces are per thread, and a socket
 * stays in the namespace it was created in, so a thread that entered the pod's namespace can create
 * sockets for connections to the pod's loopback while every other thread stays on the host's.
 */
final class Netns {
    /** The libc calls the JDK does not offer; x86_64/aarch64 glibc signatures. */
    public interface Libc {
        @SaveError int open(String path, int flags);

        @SaveError int setns(int fd, int nstype);

        int close(int fd);

        String strerror(int errnum);
    }

    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 02000000;
    private static final int CLONE_NEWNET = 0x40000000;

    private static volatile Libc libc;

    private Netns() {
    }

    private static Libc libc() throws IOException {
        Libc l = libc;
        if (l == null) {
            synchronized (Netns.class) {
                if (libc == null) {
                    try {
                        libc = LibraryLoader.create(Libc.class).load("c");
                    } catch (RuntimeException | LinkageError e) {
                        throw new IOException("load libc through jnr-ffi: " + e, e);
                    }
                }
                l = libc;
            }
        }
        return l;
    }

    /** Puts the calling thread into the network namespace that {@code nsFile} is bound to. */
    static void enter(Path nsFile) throws IOException {
        Libc l = libc();
        int fd = l.open(nsFile.toString(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            throw new IOException("open network namespace " + nsFile + ": " + lastError(l));
        }
        try {
            if (l.setns(fd, CLONE_NEWNET) != 0) {
                throw new IOException("enter network namespace " + nsFile + ": " + lastError(l));
            }
        } finally {
            l.close(fd);
        }
    }

    private static String lastError(Libc l) {
        int errno = Runtime.getRuntime(l).getLastError();
        return l.strerror(errno) + " (errno " + errno + ")";
    }
}
