package dev.berth.cgroups;

import java.time.Instant;

/**
 * One sample of a cgroup's usage. Byte and count fields use {@link CgroupFiles#UNLIMITED} (-1)
 * for "no limit" and {@link CgroupFiles#UNAVAILABLE} (-2) when the host does not provide the value
 * (controller not mounted, no swap accounting, kernel without oom_kill counters).
 *
 * @param cpuUsageNanos    total CPU time (v1 cpuacct.usage, v2 cpu.stat usage_usec)
 * @param memoryLimit      -1 unlimited
 * @param memoryWorkingSet usage minus inactive_file, never negative (what kubelet evicts on)
 * @param memoryCache      page cache (v1 total_cache, v2 file)
 * @param swapUsage        swap only (v1 memsw.usage - usage, v2 memory.swap.current)
 * @param pidsLimit        -1 unlimited
 * @param oomKillCount     processes killed by the OOM killer in this cgroup
 */
public record CgroupStats(Instant timestamp, long cpuUsageNanos, long cpuUserNanos, long cpuSystemNanos,
                          long memoryUsage, long memoryLimit, long memoryWorkingSet, long memoryCache,
                          long swapUsage, long pidsCurrent, long pidsLimit, long oomKillCount) {
    public static final long UNLIMITED = CgroupFiles.UNLIMITED;
    public static final long UNAVAILABLE = CgroupFiles.UNAVAILABLE;

    /** usage - inactive_file as cAdvisor computes it; UNAVAILABLE if usage is. */
    public static long workingSet(long usage, long inactiveFile) {
        if (usage < 0) {
            return UNAVAILABLE;
        }
        return inactiveFile > 0 ? Math.max(0, usage - inactiveFile) : usage;
    }
}
