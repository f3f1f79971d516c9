package dev.berth.viewfs;

import dev.berth.cgroups.CgroupDetector;
import dev.berth.cgroups.CgroupLayout;
import dev.berth.cgroups.CgroupMode;
import dev.berth.viewfs.caller.CallerResolver;
import dev.berth.viewfs.caller.CgroupParents;
import dev.berth.viewfs.caller.ProcFs;
import dev.berth.viewfs.cgroup.CgroupSource;
import dev.berth.viewfs.cgroup.LoadTracker;
import dev.berth.viewfs.fuse.ViewFiles;
import dev.berth.viewfs.fuse.ViewFs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code berth-viewfs MOUNTPOINT [--cgroup-parent PATH]...}: serves the container views under
 * MOUNTPOINT until SIGTERM or SIGINT, then unmounts. Containers are the cgroups directly below
 * /berth and below every given parent.
 */
public final class ViewFsServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ViewFsServer.class.getName());
    private final ViewFs fs;
    private final LoadTracker load;
    private final Path mountPoint;

    public ViewFsServer(Path mountPoint, CgroupParents parents, CgroupLayout layout, ProcFs proc, Path sys) {
        this.mountPoint = mountPoint;
        CgroupSource source = CgroupSource.forLayout(layout);
        this.load = new LoadTracker(source, parents, proc);
        ViewFiles files = new ViewFiles(proc, sys, source, load, ViewFsServer::epochNanos, System::nanoTime);
        this.fs = new ViewFs(files, new CallerResolver(proc, parents, layout.mode() == CgroupMode.V2));
    }

    /** For the host's cgroups, /proc and /sys. */
    public static ViewFsServer forHost(Path mountPoint, CgroupParents parents) {
        return new ViewFsServer(mountPoint, parents, CgroupDetector.detect(), ProcFs.host(), Path.of("/sys"));
    }

    private static long epochNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** Mounts; with {@code blocking} the call returns only once the file system is unmounted. */
    public void mount(boolean blocking) {
        load.start();
        fs.mount(mountPoint, blocking, false, ViewFs.MOUNT_OPTIONS);
    }

    public ViewFs fs() {
        return fs;
    }

    @Override
    public void close() {
        load.close();
        fs.umount();
    }

    public static void main(String[] args) {
        Path mount = null;
        List<String> parents = new ArrayList<>(List.of(CgroupParents.DEFAULT));
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--cgroup-parent") && i + 1 < args.length) {
                parents.add(args[++i]);
            } else if (args[i].startsWith("--cgroup-parent=")) {
                parents.add(args[i].substring("--cgroup-parent=".length()));
            } else if (!args[i].startsWith("-") && mount == null) {
                mount = Path.of(args[i]);
            } else {
                usage("unexpected argument " + args[i]);
            }
        }
        if (mount == null) {
            usage("MOUNTPOINT is required");
        }
        if (!Files.isDirectory(mount)) {
            usage(mount + " is not a directory");
        }
        ViewFsServer server = forHost(mount, new CgroupParents(parents));
        // jnr-fuse's own hook unmounts too; ours also stops the sampler, and either order is safe
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "viewfs-shutdown"));
        LOG.log(System.Logger.Level.INFO, "berth-viewfs serving " + mount + " for cgroups below " + parents);
        server.mount(true);
    }

    private static void usage(String why) {
        System.err.println("berth-viewfs: " + why);
        System.err.println("usage: berth-viewfs MOUNTPOINT [--cgroup-parent PATH]...");
        System.exit(2);
    }
}
