package dev.berth.daemon.container;

import dev.berth.image.OverlayRootfs;
import dev.berth.oci.bundle.SpecBuilder;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.List;

/**
 * The resource views of berth-viewfs (its own service): when its FUSE filesystem is mounted, its files
 * are bind-mounted read-only over the container's own, so the container sees its limits, not the host.
 */
public final class ResourceViews {
    private static final System.Logger LOG = System.getLogger(ResourceViews.class.getName());
    /** Served by viewfs; runc allows bind mounts over exactly these /proc files (as it does for lxcfs). */
    private static final List<String> FILES = List.of("/proc/meminfo", "/proc/cpuinfo", "/proc/stat",
            "/proc/uptime", "/proc/loadavg", "/sys/devices/system/cpu/online");

    private final Path mountPoint;
    private final boolean enabledByDefault;

    public ResourceViews(Path mountPoint, boolean enabledByDefault) {
        this.mountPoint = mountPoint;
        this.enabledByDefault = enabledByDefault;
    }

    /** Adds the bind mounts unless the container opted out or no view server is mounted. */
    void apply(String id, Boolean requested, SpecBuilder spec) {
        boolean wanted = requested != null ? requested : enabledByDefault;
        if (!wanted) {
            return;
        }
        if (mountPoint == null || !OverlayRootfs.isMounted(mountPoint)) {
            LOG.log(Level.DEBUG, "container {0}: no resource views: {1} is not mounted", id, mountPoint);
            return;
        }
        for (String file : FILES) {
            spec.bindMount(mountPoint + file, file, true);
        }
    }
}
