package dev.berth.viewfs.view;

import java.util.List;

/**
 * A container's CPU limits and usage as read from its cgroup.
 *
 * @param quotaMicros  the tightest CFS quota on the way to the root (its period alongside), -1 unlimited,
 *                     -2 unavailable
 * @param periodMicros the period belonging to {@code quotaMicros}
 * @param cpuset       the effective cpuset in the kernel's list format; null when no cpuset controller
 * @param userNanos    CPU time in user mode; negative when unavailable
 * @param systemNanos  CPU time in kernel mode; negative when unavailable
 * @param usageNanos   total CPU time; negative when unavailable
 */
public record CpuSnapshot(long quotaMicros, long periodMicros, String cpuset, long userNanos, long systemNanos,
                          long usageNanos) {
    /** The visible host CPUs, given the host's online CPUs for when the cpuset is unknown or empty. */
    public List<Integer> visibleCpus(List<Integer> hostOnline) {
        List<Integer> set = CpuList.parse(cpuset);
        return VisibleCpus.of(set.isEmpty() ? hostOnline : set, quotaMicros, periodMicros);
    }
}
