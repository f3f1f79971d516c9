package dev.berth.viewfs.view;

import java.util.List;

/**
 * Which host CPUs a container is shown: as many as it can use at once, min(cpuset size,
 * ceil(quota/period)), taken from the start of its cpuset so that the per-CPU lines keep their
 * host order. A quota that is unlimited or unavailable does not reduce the count.
 */
public final class VisibleCpus {
    private VisibleCpus() {
    }

    /** @param cpuset the CPUs the container may run on, ascending; never empty */
    public static List<Integer> of(List<Integer> cpuset, long quotaMicros, long periodMicros) {
        if (cpuset.isEmpty()) {
            throw new IllegalArgumentException("visible cpus: empty cpuset");
        }
        int n = cpuset.size();
        if (quotaMicros > 0 && periodMicros > 0) {
            long byQuota = Math.max(1, (quotaMicros + periodMicros - 1) / periodMicros);
            n = (int) Math.min(n, byQuota);
        }
        return cpuset.subList(0, n);
    }
}
