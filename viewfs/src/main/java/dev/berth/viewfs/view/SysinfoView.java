package dev.berth.viewfs.view;

import java.util.Map;

/**
 * sysinfo(2) for a container, in bytes (mem_unit 1): the figures its /proc/meminfo, /proc/uptime and
 * /proc/loadavg views show, so busybox's free and top (which call sysinfo) agree with procps's (which
 * read the files).
 *
 * @param uptimeSeconds whole seconds, rounded up as the kernel rounds its uptime
 * @param loads         the 1, 5 and 15 minute averages in sysinfo's 16-bit fixed point (SI_LOAD_SHIFT)
 * @param procs         threads in the container (the kernel gives the host's nr_threads), at most 65535
 */
public record SysinfoView(long uptimeSeconds, long[] loads, long totalRam, long freeRam, long sharedRam,
                          long bufferRam, long totalSwap, long freeSwap, int procs) {
    /** sysinfo's load fixed point has 16 fractional bits, the kernel's averages {@link LoadAverage#FSHIFT}. */
    static final int SI_LOAD_SHIFT = 16;

    /**
     * @param elapsedNanos the container's lifetime, already capped at the host's uptime (the uptime view's)
     * @param avenrun      the container's averages, {@link LoadAverage#snapshot()}
     * @param threads      the container's threads, as its loadavg view counts them
     */
    public static SysinfoView of(String hostMeminfo, MemorySnapshot m, long elapsedNanos, long[] avenrun,
                                 int threads) {
        Map<String, Long> host = MeminfoView.parse(hostMeminfo);
        long totalKb = MeminfoView.totalKb(host.getOrDefault("MemTotal", 0L), m);
        long freeKb = totalKb - MeminfoView.usedKb(totalKb, m);
        Swap swap = Swap.of(host.getOrDefault("SwapTotal", 0L), m);
        long seconds = elapsedNanos / 1_000_000_000L + (elapsedNanos % 1_000_000_000L != 0 ? 1 : 0);
        long[] loads = new long[3];
        for (int i = 0; i < 3; i++) {
            loads[i] = avenrun[i] << (SI_LOAD_SHIFT - LoadAverage.FSHIFT);
        }
        // Buffers is 0 in the meminfo view (cgroups count none); Shmem is the cgroup's
        return new SysinfoView(seconds, loads, totalKb * 1024, freeKb * 1024, Math.max(0, m.shmem()), 0,
                swap.totalKb() * 1024, swap.freeKb() * 1024, Math.min(0xffff, Math.max(0, threads)));
    }
}
