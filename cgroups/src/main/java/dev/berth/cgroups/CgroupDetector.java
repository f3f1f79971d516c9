package dev.berth.cgroups;

import dev.berth.cgroups.proc.MountInfo;
import dev.berth.cgroups.proc.ProcCgroups;
import dev.berth.cgroups.proc.ProcSelfCgroup;
import dev.berth.oci.BerthException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds the cgroup mounts from /proc, the JDK's way: mountinfo gives the mounts, /proc/cgroups the
 * enabled controllers and their hierarchy ids, /proc/self/cgroup the hierarchies this process is in.
 *
 * <p>Mode: any v1 controller mount (named hierarchies such as name=systemd do not count) plus a
 * cgroup2 mount is HYBRID; v1 controllers alone are V1; a cgroup2 mount alone is V2.
 */
public final class CgroupDetector {
    private static final System.Logger LOG = System.getLogger(CgroupDetector.class.getName());

    /** The controllers a v1 mount can carry, for when /proc/cgroups is missing. */
    static final Set<String> V1_CONTROLLERS = Set.of("cpuset", "cpu", "cpuacct", "blkio", "memory", "devices",
            "freezer", "net_cls", "perf_event", "net_prio", "hugetlb", "pids", "rdma", "misc");
    /** Controllers that exist on cgroup2 (cpuacct is part of cpu there, blkio is io). */
    static final Set<String> V2_CONTROLLERS = Set.of("cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc");

    private CgroupDetector() {
    }

    /**
     * Detects this host's layout from /proc, then takes the cgroup2 controllers from the root
     * cgroup.controllers file of the unified mount when it is readable (the exact list; /proc/cgroups
     * cannot tell "on cgroup2" from "not mounted").
     */
    public static CgroupLayout detect() {
        CgroupLayout l = detect(Path.of("/proc/self/mountinfo"), Path.of("/proc/cgroups"), Path.of("/proc/self/cgroup"));
        if (l.unifiedMount() != null) {
            String s = CgroupFiles.readString(l.unifiedMount().resolve("cgroup.controllers"));
            if (s != null) {
                Set<String> c = new TreeSet<>();
                for (String name : s.split("\\s+")) {
                    if (!name.isEmpty()) {
                        c.add(name);
                    }
                }
                return new CgroupLayout(l.mode(), l.v1Mounts(), l.unifiedMount(), c);
            }
        }
        return l;
    }

    /**
     * Detects from the given files alone (no other file is read). A missing {@code procCgroups} or
     * {@code selfCgroup} is tolerated (newer kernels may drop /proc/cgroups); mountinfo is required.
     * v2Controllers come from /proc/cgroups: enabled controllers with hierarchy id 0, that exist on
     * cgroup2 and are not mounted as v1.
     */
    public static CgroupLayout detect(Path mountinfo, Path procCgroups, Path selfCgroup) {
        List<MountInfo.Entry> mounts = MountInfo.read(mountinfo);
        List<ProcCgroups.Controller> controllers = Files.isReadable(procCgroups) ? ProcCgroups.read(procCgroups) : List.of();
        List<ProcSelfCgroup.Entry> self = Files.isReadable(selfCgroup) ? ProcSelfCgroup.read(selfCgroup) : List.of();

        Set<String> known = new TreeSet<>(V1_CONTROLLERS);
        Set<String> disabled = new TreeSet<>();
        for (ProcCgroups.Controller c : controllers) {
            known.add(c.name());
            if (!c.enabled()) {
                disabled.add(c.name());
            }
        }

        Map<String, Path> v1 = new LinkedHashMap<>();
        Map<String, String> v1Roots = new HashMap<>();
        Path unified = null;
        String unifiedRoot = null;
        for (MountInfo.Entry m : mounts) {
            if ("cgroup".equals(m.fsType())) {
                for (String opt : m.superOptions()) {
                    boolean named = opt.startsWith("name=");
                    if (!named && (!known.contains(opt) || disabled.contains(opt))) {
                        continue;
                    }
                    // a hierarchy can be mounted more than once (bind mounts); prefer the full view "/"
                    if (!v1.containsKey(opt) || (!"/".equals(v1Roots.get(opt)) && "/".equals(m.root()))) {
                        v1.put(opt, m.mountPoint());
                        v1Roots.put(opt, m.root());
                    }
                }
            } else if ("cgroup2".equals(m.fsType())) {
                if (unified == null || (!"/".equals(unifiedRoot) && "/".equals(m.root()))) {
                    unified = m.mountPoint();
                    unifiedRoot = m.root();
                }
            }
        }

        boolean anyV1Controller = v1.keySet().stream().anyMatch(k -> !k.startsWith("name="));
        CgroupMode mode;
        if (anyV1Controller) {
            mode = unified != null ? CgroupMode.HYBRID : CgroupMode.V1;
        } else if (unified != null) {
            mode = CgroupMode.V2;
            // named v1 hierarchies next to a cgroup2 mount carry no resources; drop them in V2
            v1.clear();
        } else {
            throw new BerthException(BerthException.Kind.FAILED_PRECONDITION,
                    "detect cgroups: no cgroup or cgroup2 mount in " + mountinfo);
        }

        Set<String> v2 = new TreeSet<>();
        if (unified != null) {
            for (ProcCgroups.Controller c : controllers) {
                String name = c.name().equals("blkio") ? "io" : c.name();
                if (c.enabled() && c.hierarchyId() == 0 && V2_CONTROLLERS.contains(name) && !v1.containsKey(c.name())) {
                    v2.add(name);
                }
            }
        }
        if (mode == CgroupMode.V2) {
            warnIfControllersStuckInV1(self);
        }
        return new CgroupLayout(mode, v1, unified, v2);
    }

    /**
     * A cgroup2-only mount namespace on a host that keeps its controllers in v1 (e.g. systemd-nspawn
     * with a unified hierarchy on this kind of host) sees v1 hierarchy ids in /proc/self/cgroup:
     * detection still says V2, but no limit can be applied there.
     */
    private static void warnIfControllersStuckInV1(List<ProcSelfCgroup.Entry> self) {
        List<String> stuck = self.stream().filter(e -> e.hierarchyId() > 0)
                .flatMap(e -> e.controllers().stream()).filter(c -> !c.startsWith("name=")).toList();
        if (!stuck.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "detect cgroups: only cgroup2 is mounted but controllers "
                    + stuck + " are on v1 hierarchies: resource limits will not work");
        }
    }
}
