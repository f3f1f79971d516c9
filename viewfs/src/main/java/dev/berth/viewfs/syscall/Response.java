package dev.berth.viewfs.syscall;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One struct seccomp_notif_resp (24 bytes): {@code u64 id; s64 val; s32 error; u32 flags;}. The caller's
 * syscall returns {@code val}, or fails with errno {@code -error}; with {@link #FLAG_CONTINUE} the kernel
 * runs the real syscall instead.
 */
public record Response(long id, long val, int error, int flags) {
    public static final int SIZE = 24;
    /** SECCOMP_USER_NOTIF_FLAG_CONTINUE */
    public static final int FLAG_CONTINUE = 1;
    public static final int EFAULT = 14;
    public static final int EINVAL = 22;

    /** The real syscall runs, as if there were no view. */
    public static Response realSyscall(long id) {
        return new Response(id, 0, 0, FLAG_CONTINUE);
    }

    public static Response value(long id, long val) {
        return new Response(id, val, 0, 0);
    }

    public static Response failure(long id, int errno) {
        return new Response(id, 0, -errno, 0);
    }

    public byte[] encode() {
        return ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(id).putLong(val).putInt(error).putInt(flags).array();
    }
}
