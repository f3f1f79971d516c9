package dev.berth.cgroups;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The detected cgroup mounts.
 *
 * @param mode          V1, HYBRID or V2
 * @param v1Mounts      v1 controller name (e.g. "memory", "cpuacct") or named hierarchy (e.g.
 *                      "name=systemd") to its mount point; controllers mounted together
 *                      ("cpu,cpuacct") map to the same path. Empty in V2 mode.
 * @param unifiedMount  the cgroup2 mount point, or null when there is none (pure V1)
 * @param v2Controllers controllers available on the cgroup2 hierarchy (its root cgroup.controllers)
 */
public record CgroupLayout(CgroupMode mode, Map<String, Path> v1Mounts, Path unifiedMount, Set<String> v2Controllers) {
    public CgroupLayout {
        if (mode == null) {
            throw new IllegalArgumentException("mode is required");
        }
        v1Mounts = Collections.unmodifiableMap(new LinkedHashMap<>(v1Mounts == null ? Map.of() : v1Mounts));
        v2Controllers = Collections.unmodifiableSet(new TreeSet<>(v2Controllers == null ? Set.of() : v2Controllers));
        if (mode != CgroupMode.V1 && unifiedMount == null) {
            throw new IllegalArgumentException(mode + " layout needs a cgroup2 mount");
        }
        if (mode == CgroupMode.V2 && !v1Mounts.isEmpty()) {
            throw new IllegalArgumentException("V2 layout with v1 mounts " + v1Mounts.keySet());
        }
    }
}
