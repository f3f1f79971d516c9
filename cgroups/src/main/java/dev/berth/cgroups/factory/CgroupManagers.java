package dev.berth.cgroups.factory;

import dev.berth.cgroups.CgroupLayout;
import dev.berth.cgroups.CgroupManager;
import dev.berth.cgroups.CgroupMode;
import dev.berth.cgroups.systemd.SystemdBus;
import dev.berth.cgroups.systemd.SystemdCgroupManager;
import dev.berth.cgroups.v1.CgroupV1Manager;
import dev.berth.cgroups.v2.CgroupV2Manager;
import dev.berth.oci.BerthException;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Picks the manager for a driver and a detected layout. A package of its own: it knows every
 * implementation, and the implementations know the root package, so in the root it would make a cycle.
 */
public final class CgroupManagers {
    public static final String CGROUPFS = "cgroupfs";
    public static final String SYSTEMD = "systemd";
    /** sd_booted(3)'s test: systemd creates this directory early when it runs as PID 1. */
    static final Path SYSTEMD_RUNTIME_DIR = Path.of("/run/systemd/system");

    private CgroupManagers() {
    }

    /** "systemd" when systemd runs as PID 1 here, else "cgroupfs". */
    public static String defaultDriver() {
        return defaultDriver(SYSTEMD_RUNTIME_DIR);
    }

    static String defaultDriver(Path systemdRuntimeDir) {
        return Files.isDirectory(systemdRuntimeDir) ? SYSTEMD : CGROUPFS;
    }

    /**
     * @param driver "cgroupfs" (null means cgroupfs) or "systemd", which needs systemd as PID 1 and
     *               connects to it on the system bus now (FAILED_PRECONDITION without systemd,
     *               UNAVAILABLE when the bus cannot be reached)
     */
    public static CgroupManager create(String driver, CgroupLayout layout) {
        return create(driver, layout, SYSTEMD_RUNTIME_DIR);
    }

    static CgroupManager create(String driver, CgroupLayout layout, Path systemdRuntimeDir) {
        String d = driver == null ? CGROUPFS : driver;
        switch (d) {
            case CGROUPFS:
                // hybrid is managed through its v1 controllers; the unified mount only tracks processes
                return layout.mode() == CgroupMode.V2 ? new CgroupV2Manager(layout) : new CgroupV1Manager(layout);
            case SYSTEMD:
                if (!Files.isDirectory(systemdRuntimeDir)) {
                    throw new BerthException(BerthException.Kind.FAILED_PRECONDITION, "create cgroup manager: "
                            + "cgroup driver systemd asked for, but systemd is not running as PID 1 on this host (no "
                            + systemdRuntimeDir + "); set cgroup_manager = \"cgroupfs\"");
                }
                return new SystemdCgroupManager(layout, SystemdBus.connect(SystemdBus.SYSTEM_BUS_ADDRESS));
            default:
                throw BerthException.invalid("create cgroup manager: unknown cgroup driver '" + d
                        + "' (expected cgroupfs or systemd)");
        }
    }
}
