package dev.berth.cgroups;

import dev.berth.cgroups.v1.CgroupV1Manager;
import dev.berth.cgroups.v2.CgroupV2Manager;
import dev.berth.oci.BerthException;

/** Picks the manager for a driver and a detected layout. */
public final class CgroupManagers {
    public static final String CGROUPFS = "cgroupfs";
    public static final String SYSTEMD = "systemd";

    private CgroupManagers() {
    }

    /**
     * @param driver "cgroupfs" (null means cgroupfs); "systemd" is not implemented yet
     */
    public static CgroupManager create(String driver, CgroupLayout layout) {
        String d = driver == null ? CGROUPFS : driver;
        switch (d) {
            case CGROUPFS:
                // hybrid is managed through its v1 controllers; the unified mount only tracks processes
                return layout.mode() == CgroupMode.V2 ? new CgroupV2Manager(layout) : new CgroupV1Manager(layout);
            case SYSTEMD:
                throw BerthException.invalid("cgroup driver systemd is not available yet");
            default:
                throw BerthException.invalid("create cgroup manager: unknown cgroup driver '" + d
                        + "' (expected cgroupfs or systemd)");
        }
    }
}
