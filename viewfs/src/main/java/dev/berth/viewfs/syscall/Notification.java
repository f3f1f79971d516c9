package dev.berth.viewfs.syscall;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One struct seccomp_notif (linux/seccomp.h, 80 bytes): {@code u64 id; u32 pid; u32 flags;} then struct
 * seccomp_data {@code int nr; u32 arch; u64 instruction_pointer; u64 args[6];}. {@code pid} is the
 * calling thread's id in the pid namespace of the process that received it (the host's, here).
 */
public record Notification(long id, int pid, int nr, int arch, long[] args) {
    public static final int SIZE = 80;
    /** AUDIT_ARCH_X86_64: a 64-bit x86 caller (x32 callers share it and set bit 30 in nr). */
    public static final int AUDIT_ARCH_X86_64 = 0xC000003E;
    public static final int NR_SYSINFO = 99;
    public static final int NR_SCHED_GETAFFINITY = 204;

    /** Decodes {@code raw} (at least {@link #SIZE} bytes, native little-endian order). */
    public static Notification decode(byte[] raw) {
        ByteBuffer b = ByteBuffer.wrap(raw, 0, SIZE).order(ByteOrder.LITTLE_ENDIAN);
        long id = b.getLong(0);
        int pid = b.getInt(8);
        int nr = b.getInt(16);
        int arch = b.getInt(20);
        long[] args = new long[6];
        for (int i = 0; i < 6; i++) {
            args[i] = b.getLong(32 + 8 * i);
        }
        return new Notification(id, pid, nr, arch, args);
    }
}
