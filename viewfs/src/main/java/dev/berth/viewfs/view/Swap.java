package dev.berth.viewfs.view;

/**
 * A container's swap in kB, as meminfo's SwapTotal/SwapFree and /proc/swaps show it: the cgroup's
 * swap limit, never more than the host has (unlimited or unaccounted: the host's), and its usage.
 */
record Swap(long totalKb, long usedKb) {
    static Swap of(long hostSwapTotalKb, MemorySnapshot m) {
        long total = m.swapLimit() >= 0 ? Math.min(m.swapLimit() / 1024, hostSwapTotalKb) : hostSwapTotalKb;
        return new Swap(total, Math.min(total, Math.max(0, m.swapUsage()) / 1024));
    }

    long freeKb() {
        return totalKb - usedKb;
    }
}
