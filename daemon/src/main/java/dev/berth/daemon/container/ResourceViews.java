package dev.berth.daemon.container;

import dev.berth.image.OverlayRootfs;
import dev.berth.oci.bundle.SpecBuilder;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The resource views of berth-viewfs (its own service): when its FUSE filesystem is mounted, its files
 * are bind-mounted read-only over the container's own, so the container sees its limits, not the host.
 */
public final class ResourceViews {
    private static final System.Logger LOG = System.getLogger(ResourceViews.class.getName());
    /**
     * What viewfs serves and runc allows bind mounts over (its list for lxcfs). viewfs also serves
     * /proc/pressure/{cpu,memory,io} on cgroup v2 hosts, but runc 1.1 refuses every other target inside
     * /proc ("cannot be mounted because it is inside /proc") and the container would not start.
     */
    public static final List<String> FILES = List.of("/proc/meminfo", "/proc/cpuinfo", "/proc/stat", "/proc/uptime",
            "/proc/loadavg", "/proc/swaps", "/proc/diskstats", "/sys/devices/system/cpu/online",
            "/sys/devices/system/cpu/possible", "/sys/devices/system/cpu/present");

    /** viewfs's ViewFs.CONTAINERS (the daemon does not depend on the view server). */
    static final String CONTAINERS = "/containers/";

    private final Path mountPoint;
    private final boolean enabledByDefault;

    public ResourceViews(Path mountPoint, boolean enabledByDefault) {
        this.mountPoint = mountPoint;
        this.enabledByDefault = enabledByDefault;
    }

    /**
     * Adds the bind mounts unless the container opted out or no view server is mounted. Only files the
     * running server has are bound: an older server without some of them must not fail the start.
     */
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
            // the container's own copy of the tree (viewfs's CONTAINERS): inodes of its own, so one
            // container's file size and page cache never serve another's sendfile(2)
            Path source = Path.of(mountPoint + CONTAINERS + id + file);
            if (Files.exists(source)) {
                spec.bindMount(source.toString(), file, true);
            } else {
                LOG.log(Level.DEBUG, "container {0}: no resource view for {1}: {2} does not serve it", id, file, mountPoint);
            }
        }
    }
}
