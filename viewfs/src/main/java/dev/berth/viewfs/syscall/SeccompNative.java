package dev.berth.viewfs.syscall;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/** The libc calls the JDK lacks for answering seccomp notifications (x86-64 numbers). */
final class SeccompNative {
    /** _IOWR('!', 0, struct seccomp_notif) */
    static final long NOTIF_RECV = 0xc0502100L;
    /** _IOWR('!', 1, struct seccomp_notif_resp) */
    static final long NOTIF_SEND = 0xc0182101L;
    /** _IOW('!', 2, __u64) */
    static final long NOTIF_ID_VALID = 0x40082102L;
    static final long SYS_PIDFD_OPEN = 434;
    static final long SYS_PIDFD_GETFD = 438;
    static final long SYS_SCHED_GETAFFINITY = 204;
    static final short POLLIN = 0x1;
    static final short POLLERR = 0x8;
    static final short POLLHUP = 0x10;
    static final short POLLNVAL = 0x20;
    static final int O_RDWR = 2;
    static final int O_CLOEXEC = 0x80000;
    static final int O_NONBLOCK = 0x800;
    static final int PROT_READ_WRITE = 3;
    static final int MAP_SHARED = 1;
    static final int EINTR = 4;
    static final int ENOENT = 2;

    public interface Libc {
        @SaveError int ioctl(int fd, long request, Pointer arg);

        @SaveError long syscall(long nr, long a, long b, long c);

        @SaveError long process_vm_writev(int pid, Pointer localIov, long liovcnt, Pointer remoteIov, long riovcnt,
                                          long flags);

        @SaveError int poll(Pointer fds, long nfds, int timeoutMs);

        @SaveError int pipe2(@Out int[] fds, int flags);

        @SaveError int open(String path, int flags);

        Pointer mmap(Pointer addr, long length, int prot, int flags, int fd, long offset);

        int close(int fd);

        @SaveError long write(int fd, @In byte[] buf, long count);

        @SaveError long read(int fd, @Out byte[] buf, long count);

        String strerror(int errnum);
    }

    private static volatile Libc libc;

    static Libc libc() {
        if (libc == null) {
            libc = LibraryLoader.create(Libc.class).load("c");
        }
        return libc;
    }

    static Runtime runtime() {
        return Runtime.getRuntime(libc());
    }

    static int errno() {
        return runtime().getLastError();
    }

    static String lastError() {
        return libc().strerror(errno());
    }

    static Pointer allocate(int bytes) {
        return Memory.allocateDirect(runtime(), bytes, true);
    }

    /**
     * The kernel's cpumask size in bytes: what the sched_getaffinity syscall returns for a buffer larger than
     * any (glibc's wrapper returns 0 instead).
     */
    static int kernelMaskBytes() {
        Pointer buf = allocate(8192);
        int n = (int) libc().syscall(SYS_SCHED_GETAFFINITY, 0, 8192, buf.address());
        if (n <= 0) {
            throw new IllegalStateException("sched_getaffinity: " + lastError());
        }
        return n;
    }

    private SeccompNative() {
    }
}
