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

    /** Where the server is expected, whether it serves there, and whether containers get views unless they opt out. */
    public record Status(Path mountPoint, boolean serving, boolean enabledByDefault) {
    }

    public Status status() {
        return new Status(mountPoint, serving(), enabledByDefault);
    }

    /**
     * Serving: mounted, and its root's meminfo answers (a dead server's mount fails the stat). During a
     * server restart a held mount makes the stat wait for the next instance, as a container's read does.
     */
    private boolean serving() {
        return mountPoint != null && OverlayRootfs.isMounted(mountPoint)
                && Files.exists(mountPoint.resolve("proc/meminfo"));
    }

    /** At berthd's start: one WARN line if containers are to get views and the server is not serving. */
    public void warnIfNotServing() {
        if (enabledByDefault && !serving()) {
            LOG.log(Level.WARNING, "resource views: berth-viewfs is not serving " + mountPoint + ": containers"
                    + " created now see the host's memory and CPUs in /proc and /sys (start berth-viewfs.service)");
        }
    }

    /**
     * Whether container {@code id}, created now, gets views: it asked for them (or did not opt out of the
     * default) and the server serves. A container that wanted them and gets none is a WARN.
     */
    boolean forNewContainer(String id, Boolean requested) {
        boolean wanted = requested != null ? requested : enabledByDefault;
        if (!wanted) {
            return false;
        }
        if (!serving()) {
            LOG.log(Level.WARNING, "container {0}: no resource views: berth-viewfs is not serving {1}: it sees"
                    + " the host''s memory and CPUs in /proc and /sys", id, mountPoint);
            return false;
        }
        return true;
    }

    /**
     * Adds the bind mounts of the container's views. Only files the running server has are bound: an
     * older server without some of them must not fail the start.
     */
    void apply(String id, SpecBuilder spec) {
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
