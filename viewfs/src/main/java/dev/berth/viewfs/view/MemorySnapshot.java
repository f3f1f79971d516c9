package dev.berth.viewfs.view;

/**
 * A container's memory limits and usage in bytes, as read from its cgroup (v1 total_* counters or
 * v2 memory.stat; both include descendants). Limits are -1 when unlimited; swap figures are -2
 * when the kernel does not account swap.
 *
 * @param limit     the tightest memory limit on the way to the root
 * @param swapLimit swap alone (v1: memsw limit minus memory limit), the tightest on the way to the root
 * @param swapUsage swap alone (v1: memsw usage minus usage)
 */
public record MemorySnapshot(long limit, long usage, long swapLimit, long swapUsage, long cache, long anon,
                             long activeAnon, long inactiveAnon, long activeFile, long inactiveFile,
                             long unevictable, long shmem, long mapped, long dirty, long writeback,
                             long slabReclaimable, long slabUnreclaimable) {
}
