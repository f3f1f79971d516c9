package dev.berth.viewfs.view;

/**
 * The kernel's load average (kernel/sched/loadavg.c): 11-bit fixed point, updated every 5 seconds
 * with the count of runnable and uninterruptible tasks, decaying with exp(-5s/1min), exp(-5s/5min)
 * and exp(-5s/15min). Same constants and rounding as the kernel, so a container's figures move as
 * the host's would. One sampler thread updates; readers on any thread take {@link #snapshot()}.
 */
public final class LoadAverage {
    static final int FSHIFT = 11;
    static final long FIXED_1 = 1L << FSHIFT;
    static final long EXP_1 = 1884;
    static final long EXP_5 = 2014;
    static final long EXP_15 = 2037;

    private volatile long[] avenrun = {0, 0, 0};

    /** One 5-second tick with {@code active} runnable + uninterruptible tasks. */
    public void update(int active) {
        long a = active * FIXED_1;
        long[] cur = avenrun;
        avenrun = new long[] {calc(cur[0], EXP_1, a), calc(cur[1], EXP_5, a), calc(cur[2], EXP_15, a)};
    }

    public long[] snapshot() {
        return avenrun.clone();
    }

    private static long calc(long load, long exp, long active) {
        long newload = load * exp + active * (FIXED_1 - exp);
        if (active >= load) {
            newload += FIXED_1 - 1;
        }
        return newload / FIXED_1;
    }

    /** "%lu.%02lu" of one average, with the kernel's rounding offset of FIXED_1/200. */
    static String format(long fixed) {
        long x = fixed + FIXED_1 / 200;
        return (x >> FSHIFT) + "." + String.format("%02d", ((x & (FIXED_1 - 1)) * 100) >> FSHIFT);
    }
}
