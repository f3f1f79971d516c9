package dev.berth.daemon.container;

import dev.berth.image.OverlayRootfs;
import dev.berth.oci.BerthException;
import dev.berth.oci.bundle.SeccompNotify;
import dev.berth.oci.bundle.SecurityOptions;
import dev.berth.oci.bundle.SpecBuilder;
import dev.berth.oci.spec.runtime.Spec;
import java.io.File;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

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

    /** The remount helper's few syscalls per file; a longer wait means a stuck mount. */
    private static final long HELPER_TIMEOUT_SECONDS = 30;

    /** viewfs's ViewFs.CONTAINERS (the daemon does not depend on the view server). */
    static final String CONTAINERS = "/containers/";
    /** The syscalls berth-viewfs answers with the container's view (its SyscallViews). */
    static final List<String> SYSCALLS = List.of("sysinfo", "sched_getaffinity");
    /** viewfs's SyscallViews.listener: where berth-viewfs-notify takes runc's notification descriptors. */
    static final String LISTENER_SUFFIX = ".notify.sock";

    private final Path mountPoint;
    private final boolean enabledByDefault;
    private final Path remountHelper;

    /**
     * @param remountHelper berth-viewfs-remount, which binds views into a running container's mount namespace;
     *                      null when there is none (containers made while the server was down get theirs at
     *                      their next start only)
     */
    public ResourceViews(Path mountPoint, boolean enabledByDefault, Path remountHelper) {
        this.mountPoint = mountPoint;
        this.enabledByDefault = enabledByDefault;
        this.remountHelper = remountHelper;
    }

    /**
     * Where the server is expected, whether it serves there, whether containers get views unless they opt out,
     * and whether new containers' sysinfo and sched_getaffinity go to it.
     */
    public record Status(Path mountPoint, boolean serving, boolean enabledByDefault, boolean syscallViews) {
    }

    public Status status() {
        return new Status(mountPoint, serving(), enabledByDefault, listenerAccepts());
    }

    /**
     * Whether berth-viewfs-notify accepts connections at the listener path: runc's create fails when it cannot
     * hand the descriptor over, so a profile may name the listener only then. (The connection, which brings no
     * descriptor, is closed by the listener.)
     */
    boolean listenerAccepts() {
        if (mountPoint == null) {
            return false;
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(listener()));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private Path listener() {
        return Path.of(mountPoint + LISTENER_SUFFIX);
    }

    /**
     * {@code spec} with syscall views when it can have them: with the default seccomp profile (RuntimeDefault,
     * the REST default) and while the listener accepts, sysinfo and sched_getaffinity go to berth-viewfs,
     * which answers with the container's view (busybox free, nproc, Python's sched_getaffinity...). A
     * profile of the user's own (or none) is left as it is. Returns {@code spec} itself when unchanged.
     */
    Spec withSyscallViews(String id, Spec spec) {
        if (spec.linux() == null || spec.linux().seccomp() == null
                || !spec.linux().seccomp().equals(SecurityOptions.runtimeDefaultProfile())) {
            LOG.log(Level.DEBUG, "container {0}: no syscall views: it has a seccomp profile of its own, or none", id);
            return spec;
        }
        if (!listenerAccepts()) {
            LOG.log(Level.WARNING, "container {0}: no syscall views: berth-viewfs-notify does not accept at {1}: its"
                    + " sysinfo and sched_getaffinity (busybox free, nproc) show the host''s memory and CPUs", id, listener());
            return spec;
        }
        return spec.withLinux(spec.linux().withSeccomp(
                SeccompNotify.forward(spec.linux().seccomp(), SYSCALLS, listener().toString())));
    }

    /**
     * Serving: mounted, and its root's meminfo answers (a dead server's mount fails the stat). During a
     * server restart a held mount makes the stat wait for the next instance, as a container's read does.
     */
    boolean serving() {
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
        if (!wanted(requested)) {
            return false;
        }
        if (!serving()) {
            LOG.log(Level.WARNING, "container {0}: no resource views: berth-viewfs is not serving {1}: it sees"
                    + " the host''s memory and CPUs in /proc and /sys until the server serves", id, mountPoint);
            return false;
        }
        return true;
    }

    /** Whether a container asked for views, or did not opt out of the default. */
    boolean wanted(Boolean requested) {
        return requested != null ? requested : enabledByDefault;
    }

    /**
     * Binds the views into running container {@code id}'s mount namespace (that of {@code pid}) over its
     * own files, as berth-viewfs heals containers after its restart; throws naming the container if the
     * helper is missing or fails.
     */
    void bindInto(String id, int pid) {
        String op = "add resource views to container " + id;
        if (remountHelper == null) {
            throw BerthException.conflict(op + ": no berth-viewfs-remount beside the shim");
        }
        List<String> cmd = new ArrayList<>(List.of(remountHelper.toString(), Integer.toString(pid)));
        for (String file : FILES) {
            Path source = source(id, file);
            if (Files.exists(source)) {
                cmd.add(source.toString());
                cmd.add(file);
            }
        }
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(HELPER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new BerthException(BerthException.Kind.UNAVAILABLE, op + ": " + remountHelper
                        + " did not finish in " + HELPER_TIMEOUT_SECONDS + " s");
            }
            if (p.exitValue() != 0) {
                throw BerthException.internal(op + ": " + remountHelper + " failed: " + out, null);
            }
        } catch (IOException e) {
            throw new BerthException(BerthException.Kind.UNAVAILABLE, op + ": cannot run " + remountHelper
                    + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(BerthException.Kind.UNAVAILABLE, op + ": interrupted", e);
        }
    }

    /**
     * Adds the bind mounts of the container's views. Only files the running server has are bound: an
     * older server without some of them must not fail the start.
     */
    void apply(String id, SpecBuilder spec) {
        for (String file : FILES) {
            // the container's own copy of the tree (viewfs's CONTAINERS): inodes of its own, so one
            // container's file size and page cache never serve another's sendfile(2)
            Path source = source(id, file);
            if (Files.exists(source)) {
                spec.bindMount(source.toString(), file, true);
            } else {
                LOG.log(Level.DEBUG, "container {0}: no resource view for {1}: {2} does not serve it", id, file, mountPoint);
            }
        }
    }

    /** The container's own copy of {@code file} in the view tree. */
    private Path source(String id, String file) {
        return Path.of(mountPoint + CONTAINERS + id + file);
    }
}
