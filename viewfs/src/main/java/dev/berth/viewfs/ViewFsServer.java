package dev.berth.viewfs;

import dev.berth.cgroups.CgroupDetector;
import dev.berth.cgroups.CgroupLayout;
import dev.berth.cgroups.CgroupMode;
import dev.berth.cgroups.systemd.SdNotify;
import dev.berth.viewfs.caller.CallerResolver;
import dev.berth.viewfs.caller.CgroupParents;
import dev.berth.viewfs.caller.ProcFs;
import dev.berth.viewfs.cgroup.CgroupSource;
import dev.berth.viewfs.cgroup.LoadTracker;
import dev.berth.viewfs.fuse.ViewFiles;
import dev.berth.viewfs.fuse.ViewFs;
import dev.berth.viewfs.restart.RestartHealer;
import dev.berth.viewfs.syscall.SyscallViews;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code berth-viewfs MOUNTPOINT [--cgroup-parent PATH]... [--remount-helper PATH]}: serves the
 * container views under MOUNTPOINT until SIGTERM or SIGINT, then unmounts. Containers are the cgroups
 * directly below /berth and below every given parent. On start it takes over from an earlier,
 * dead instance (see {@link RestartHealer}); the helper defaults to berth-viewfs-remount on PATH.
 * Under systemd (Type=notify) it sends READY=1 once it serves and has taken over, STOPPING=1 on SIGTERM.
 */
public final class ViewFsServer implements AutoCloseable {
    static final String REMOUNT_HELPER = "berth-viewfs-remount";
    static final String KEEPER = "berth-viewfs-keeper";
    static final String NOTIFY_KEEPER = "berth-viewfs-notify";
    private static final System.Logger LOG = System.getLogger(ViewFsServer.class.getName());
    private static final long MOUNT_TIMEOUT_SECONDS = 30;
    private final ViewFs fs;
    private final LoadTracker load;
    private final Path mountPoint;
    private final RestartHealer healer;
    private final SyscallViews syscalls;

    /**
     * @param remountHelper the berth-viewfs-remount binary, null when there is none; berth-viewfs-keeper
     *                      is taken from the same directory
     */
    public ViewFsServer(Path mountPoint, CgroupParents parents, CgroupLayout layout, ProcFs proc, Path sys,
                        Path remountHelper) {
        this.mountPoint = mountPoint;
        this.healer = new RestartHealer(proc, mountPoint, remountHelper, beside(remountHelper, KEEPER));
        CgroupSource source = CgroupSource.forLayout(layout);
        this.load = new LoadTracker(source, parents, proc);
        ViewFiles files = new ViewFiles(proc, sys, source, load, ViewFsServer::epochNanos, System::nanoTime);
        CallerResolver callers = new CallerResolver(proc, parents, layout.mode() == CgroupMode.V2);
        this.fs = new ViewFs(files, callers);
        this.syscalls = new SyscallViews(mountPoint, beside(remountHelper, NOTIFY_KEEPER), proc, callers, files);
    }

    /** For the host's cgroups, /proc and /sys. */
    public static ViewFsServer forHost(Path mountPoint, CgroupParents parents, Path remountHelper) {
        return new ViewFsServer(mountPoint, parents, CgroupDetector.detect(), ProcFs.host(), Path.of("/sys"),
                remountHelper);
    }

    private static long epochNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** Mounts; with {@code blocking} the call returns only once the file system is unmounted. */
    public void mount(boolean blocking) {
        load.start();
        fs.mount(mountPoint, blocking, false, ViewFs.mountOptions(healer.fsName()));
    }

    /**
     * Serves until unmounted, taking over from an earlier instance: its dead mount at the mount point
     * is detached first, and once this one is mounted a thread replaces its mounts in every other
     * mount namespace (the FUSE loop must keep running meanwhile: the helper looks the files up).
     * READY=1 goes to {@code notify} after that take-over, so that `systemctl start` (and berthd, ordered
     * after this unit) finds the mount serving and `systemctl restart` returns with containers healed;
     * a failed take-over still leaves the mount serving, so it is sent then too.
     */
    public void serve(SdNotify notify) {
        healer.clearDeadMount();
        if (!Files.isDirectory(mountPoint)) {
            throw new IllegalArgumentException(mountPoint + " is not a directory");
        }
        Thread heal = new Thread(() -> {
            try {
                if (fs.awaitMounted(MOUNT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    String status = "serving " + mountPoint;
                    // only once mounted: a second instance for the mount point (refused above) must not take
                    // the notification descriptors from the live one
                    startSyscallViews();
                    try {
                        healer.startKeeper();
                        RestartHealer.Result healed = healer.heal();
                        int keepersEnded = healer.endOrphanedKeepers();
                        status += "; took over " + healed.mounts() + " mounts in " + healed.namespaces()
                                + " mount namespaces, ended " + keepersEnded + " earlier keepers";
                    } finally {
                        notify.send("READY=1", "STATUS=" + status);
                    }
                } else {
                    LOG.log(System.Logger.Level.WARNING, "viewfs mount " + mountPoint + ": not mounted after "
                            + MOUNT_TIMEOUT_SECONDS + " s: earlier instances' mounts left as they are");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "viewfs mount " + mountPoint + ": heal earlier mounts: " + e, e);
            }
        }, "viewfs-heal");
        heal.setDaemon(true);
        heal.start();
        mount(true);
    }

    private void startSyscallViews() {
        try {
            syscalls.start();
        } catch (IllegalStateException e) {
            LOG.log(System.Logger.Level.WARNING, e.getMessage() + ": containers' sysinfo and sched_getaffinity"
                    + " show the host's memory and CPUs");
        }
    }

    public ViewFs fs() {
        return fs;
    }

    @Override
    public void close() {
        load.close();
        syscalls.close();
        fs.umount();
    }

    public static void main(String[] args) {
        Path mount = null;
        List<String> parents = new ArrayList<>(List.of(CgroupParents.DEFAULT));
        Path helper = onPath(REMOUNT_HELPER);
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--cgroup-parent") && i + 1 < args.length) {
                parents.add(args[++i]);
            } else if (args[i].startsWith("--cgroup-parent=")) {
                parents.add(args[i].substring("--cgroup-parent=".length()));
            } else if (args[i].equals("--remount-helper") && i + 1 < args.length) {
                helper = Path.of(args[++i]);
                if (!Files.isExecutable(helper)) {
                    usage("remount helper " + helper + " is not an executable file");
                }
            } else if (!args[i].startsWith("-") && mount == null) {
                mount = Path.of(args[i]);
            } else {
                usage("unexpected argument " + args[i]);
            }
        }
        if (mount == null) {
            usage("MOUNTPOINT is required");
        }
        if (helper == null) {
            LOG.log(System.Logger.Level.WARNING, "berth-viewfs: no " + REMOUNT_HELPER + " on PATH: containers keep"
                    + " dead views after a restart of this server until they are restarted");
        }
        ViewFsServer server;
        try {
            server = forHost(mount, new CgroupParents(parents), helper);
        } catch (IllegalArgumentException e) {
            usage(e.getMessage());
            return;
        } catch (UnsatisfiedLinkError e) {
            // jnr-fuse loads libfuse 2 when the file system object is made: without it, one line, not a trace
            System.err.println("berth-viewfs: cannot load libfuse 2 (" + e.getMessage().lines().findFirst().orElse("")
                    + "): apt-get install libfuse2 fuse");
            System.exit(1);
            return;
        }
        SdNotify notify = SdNotify.fromEnvironment(System.getenv());
        if (notify.enabled()) {
            // Netty's first datagram takes seconds on a loaded host (native library, channel ids): sent
            // while this mounts, so that READY=1 does not wait for it
            String mounting = "STATUS=mounting " + mount;
            Thread starting = new Thread(() -> notify.send(mounting), "sd-notify-start");
            starting.setDaemon(true);
            starting.start();
        }
        // jnr-fuse's own hook unmounts too; ours also stops the sampler, and either order is safe
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            notify.send("STOPPING=1");
            server.close();
            notify.close();
        }, "viewfs-shutdown"));
        LOG.log(System.Logger.Level.INFO, "berth-viewfs serving " + mount + " for cgroups below " + parents);
        // the mount point is checked only after an earlier dead (or held) mount there is cleared:
        // stat fails (ENOTCONN) or waits on those
        try {
            server.serve(notify);
        } catch (IllegalArgumentException e) {
            usage(e.getMessage());
        } catch (IllegalStateException e) {
            System.err.println("berth-viewfs: " + e.getMessage());
            System.exit(1);
        }
    }

    private static Path beside(Path remountHelper, String name) {
        if (remountHelper == null) {
            return null;
        }
        Path helper = remountHelper.resolveSibling(name);
        return Files.isExecutable(helper) ? helper : null;
    }

    private static Path onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private static void usage(String why) {
        System.err.println("berth-viewfs: " + why);
        System.err.println("usage: berth-viewfs MOUNTPOINT [--cgroup-parent PATH]... [--remount-helper PATH]");
        System.exit(2);
    }
}
