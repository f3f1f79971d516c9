package dev.berth.viewfs.syscall;

import java.util.List;

/**
 * sched_getaffinity(2)'s answer as the kernel gives it (kernel/sched/core.c): EINVAL when {@code len}
 * holds fewer bits than nr_cpu_ids or is not a multiple of sizeof(long); otherwise min(len, the
 * kernel's cpumask size) bytes of the mask are written and that count is returned.
 */
public final class AffinityMask {
    private AffinityMask() {
    }

    /** Whether a caller's {@code len} is refused with EINVAL. */
    public static boolean invalidLength(long len, int nrCpuIds) {
        return len * 8 < nrCpuIds || (len & 7) != 0;
    }

    /** How many bytes the kernel writes and returns for {@code len}. */
    public static int returnedLength(long len, int kernelMaskBytes) {
        return (int) Math.min(len, kernelMaskBytes);
    }

    /** The first {@code count} CPUs of {@code affinity} as a bit mask of {@code bytes} bytes (CPU n: bit n%8 of byte n/8). */
    public static byte[] encode(List<Integer> affinity, int count, int bytes) {
        byte[] mask = new byte[bytes];
        for (int cpu : affinity.subList(0, Math.min(count, affinity.size()))) {
            if (cpu / 8 < bytes) {
                mask[cpu / 8] |= (byte) (1 << (cpu % 8));
            }
        }
        return mask;
    }
}
