package dev.berth.image;

import dev.berth.oci.BerthException;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

import java.nio.file.Path;

/**
 * The few libc calls the JDK does not offer: mount/umount2, mknod (whiteouts, fifos), lchown, chmod with
 * the setuid/sticky bits, utimensat on symlinks, lsetxattr for the trusted.* namespace.
 */
final class Libc {
    /** The jnr-ffi binding; x86_64/aarch64 glibc signatures. */
    public interface Native {
        @SaveError int mount(String source, String target, String fstype, long flags, String data);
        @SaveError int umount2(String target, int flags);
        @SaveError int mknod(String path, int mode, long dev);
        @SaveError int lchown(String path, int uid, int gid);
        @SaveError int chmod(String path, int mode);
        @SaveError int utimensat(int dirfd, String path, @In long[] times, int flags);
        @SaveError int lsetxattr(String path, String name, @In byte[] value, long size, int flags);
        @SaveError long lgetxattr(String path, String name, @Out byte[] value, long size);
        String strerror(int errnum);
    }

    static final int S_IFIFO = 0010000;
    static final int S_IFCHR = 0020000;
    static final int AT_FDCWD = -100;
    static final int AT_SYMLINK_NOFOLLOW = 0x100;
    static final int EINVAL = 22;
    static final int ENOENT = 2;
    static final int EBUSY = 16;

    private static volatile Native lib;
    private static volatile Runtime runtime;

    private Libc() {}

    static Native lib() {
        Native l = lib;
        if (l == null) {
            synchronized (Libc.class) {
                if (lib == null) {
                    try {
                        Native loaded = LibraryLoader.create(Native.class).load("c");
                        runtime = Runtime.getRuntime(loaded);
                        lib = loaded;
                    } catch (RuntimeException | LinkageError e) {
                        throw new BerthException(BerthException.Kind.UNAVAILABLE, "load libc through jnr-ffi: " + e, e);
                    }
                }
                l = lib;
            }
        }
        return l;
    }

    static int errno() {
        lib();
        return runtime.getLastError();
    }

    /** "EPERM (Operation not permitted)"-style text for error messages. */
    static String errnoText(int errno) {
        String text = lib().strerror(errno);
        return "errno " + errno + " (" + (text == null ? "unknown" : text) + ")";
    }

    /** Turns a failed libc call (rc != 0) into an IOException carrying the errno text. */
    static void check(int rc, String what, Path path) throws java.io.IOException {
        if (rc != 0) {
            int e = errno();
            throw new java.io.IOException(what + " " + path + ": " + errnoText(e));
        }
    }
}
