package dev.berth.viewfs.restart;

import dev.berth.cgroups.proc.MountInfo;
import dev.berth.viewfs.caller.ProcFs;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.SaveError;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes a (re)started server take over from an earlier instance at the same mount point: before the
 * mount, a dead earlier mount there is detached (a mount over it would fail with ENOTCONN); after it,
 * every mount namespace still holding the earlier instance's files (containers' bind mounts) gets
 * the new ones in their place through the berth-viewfs-remount helper, one run per namespace.
 * Instances for one mount point share a file system name, so mounts of other servers (another mount
 * point, lxcfs) are never touched.
 *
 * <p>Each instance also starts a berth-viewfs-keeper that holds its FUSE connection open, so that
 * when it dies reads through its mounts wait (up to {@link #HOLD_SECONDS}) instead of failing. The
 * next instance ends the earlier keepers once it has replaced the mounts: each waiting reader then
 * gets one error and its next open reaches the new mount.
 */
public final class RestartHealer {
    private static final System.Logger LOG = System.getLogger(RestartHealer.class.getName());
    private static final String FS_NAME_PREFIX = "berth-viewfs:";
    private static final int MNT_DETACH = 2;
    private static final long HELPER_TIMEOUT_SECONDS = 10;
    /** How long readers wait for a restart before they fail as if no keeper held the connection. */
    public static final int HOLD_SECONDS = 30;
    private static final String KEEPER_NAME = "viewfs-keeper";
    private static final String ORPHAN_NAME = "viewfs-orphan";

    /** The jnr-ffi binding for the one call the JDK lacks. */
    public interface Libc {
        @SaveError int umount2(String target, int flags);

        String strerror(int errnum);
    }

    /** What one heal did: namespaces and mounts replaced, and those that failed (logged with the reason). */
    public record Result(int namespaces, int mounts, int failedNamespaces) {
    }

    /** A berth-viewfs-keeper of this mount point; {@code orphan} once its server died. */
    public record Keeper(int pid, int serverPid, boolean orphan) {
    }

    private final ProcFs proc;
    private final Path mountPoint;
    private final String fsName;
    private final Path helper;
    private final Path keeper;

    /**
     * @param helper the berth-viewfs-remount binary; null: dead mounts in namespaces are reported, not healed
     * @param keeper the berth-viewfs-keeper binary; null: reads fail from a server's death to the heal
     */
    public RestartHealer(ProcFs proc, Path mountPoint, Path helper, Path keeper) {
        this.proc = proc;
        this.mountPoint = mountPoint.toAbsolutePath().normalize();
        this.fsName = fsName(this.mountPoint);
        this.helper = helper;
        this.keeper = keeper;
    }

    /**
     * The mount source of every instance serving {@code mountPoint}: it names the mount point, so a
     * restarted server finds its predecessor's mounts even after that one's own mount point was
     * unmounted (a graceful stop). libfuse splits options at commas and unescapes backslashes.
     */
    public static String fsName(Path mountPoint) {
        String p = mountPoint.toAbsolutePath().normalize().toString();
        if (p.contains(",") || p.contains("\\")) {
            throw new IllegalArgumentException("viewfs mount point " + p + ": must not contain ',' or '\\'");
        }
        return FS_NAME_PREFIX + p;
    }

    public String fsName() {
        return fsName;
    }

    /**
     * Detaches earlier instances' mounts at the mount point when they are dead; refuses (without
     * touching anything) when one still answers: two servers on one mount point would hide each other.
     * A mount held by an orphaned keeper is dead but must not be stat'ed: that would wait for the hold.
     */
    public void clearDeadMount() {
        int ours = mountsAtMountPoint().size();
        if (ours == 0) {
            return;
        }
        List<Keeper> keepers = keepers();
        boolean held = !keepers.isEmpty() && keepers.stream().allMatch(this::orphaned);
        if (!held && Files.isDirectory(mountPoint)) {
            throw new IllegalStateException("viewfs mount " + mountPoint + ": already served by a running berth-viewfs");
        }
        for (int i = 0; i < ours; i++) {
            if (libc().umount2(mountPoint.toString(), MNT_DETACH) != 0) {
                int errno = Runtime.getRuntime(libc()).getLastError();
                throw new IllegalStateException("viewfs mount " + mountPoint + ": detach the dead earlier mount: "
                        + libc().strerror(errno));
            }
        }
        LOG.log(System.Logger.Level.INFO, "viewfs mount " + mountPoint + ": detached " + ours + " dead earlier mount(s)");
    }

    /** The major:minor of the live mount at the mount point; call once mounted. */
    public String liveDevice() {
        List<MountInfo.Entry> ours = mountsAtMountPoint();
        if (ours.isEmpty()) {
            throw new IllegalStateException("viewfs mount " + mountPoint + ": not mounted");
        }
        // mountinfo lists mounts in the order they were made: the last one is on top
        return ours.get(ours.size() - 1).majorMinor();
    }

    /** Puts the live mount's files in place of every stale mount in every other namespace. */
    public Result heal() {
        long start = System.nanoTime();
        List<StaleBinds.Namespace> stale = StaleBinds.find(proc, fsName, liveDevice());
        if (stale.isEmpty()) {
            return new Result(0, 0, 0);
        }
        if (helper == null) {
            LOG.log(System.Logger.Level.WARNING, "viewfs mount " + mountPoint + ": " + stale.size()
                    + " mount namespace(s) hold dead mounts of an earlier instance, and no berth-viewfs-remount"
                    + " helper was found to replace them");
            return new Result(stale.size(), 0, stale.size());
        }
        int mounts = 0;
        int failed = 0;
        for (StaleBinds.Namespace ns : stale) {
            String error = remount(ns);
            if (error == null) {
                mounts += ns.binds().size();
            } else {
                failed++;
                LOG.log(System.Logger.Level.WARNING, "viewfs mount " + mountPoint + ": replace dead mounts in "
                        + ns.nsId() + " (pid " + ns.pid() + "): " + error);
            }
        }
        LOG.log(System.Logger.Level.INFO, "viewfs mount " + mountPoint + ": replaced " + mounts + " dead mount(s) in "
                + (stale.size() - failed) + " namespace(s), " + failed + " failed, in "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
        return new Result(stale.size(), mounts, failed);
    }

    /** Starts this instance's keeper, holding this process's FUSE connection; call once mounted. */
    public void startKeeper() {
        if (keeper == null) {
            LOG.log(System.Logger.Level.WARNING, "viewfs mount " + mountPoint + ": no berth-viewfs-keeper: if this"
                    + " server dies, reads in containers fail until a restarted one replaces the mounts");
            return;
        }
        int fd = fuseFd();
        if (fd < 0) {
            LOG.log(System.Logger.Level.WARNING, "viewfs mount " + mountPoint + ": no /dev/fuse descriptor found to keep");
            return;
        }
        try {
            new ProcessBuilder(keeper.toString(), Long.toString(ProcessHandle.current().pid()), Integer.toString(fd),
                    fsName, Integer.toString(HOLD_SECONDS))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "viewfs mount " + mountPoint + ": start " + keeper + ": " + e.getMessage());
        }
    }

    /**
     * Ends the keepers of dead earlier instances; call after {@link #heal}: readers waiting on their
     * connections get one error each, and their next open reaches this instance's mounts.
     */
    public int endOrphanedKeepers() {
        int ended = 0;
        for (Keeper k : keepers()) {
            if (orphaned(k)) {
                ProcessHandle.of(k.pid()).ifPresent(ProcessHandle::destroy);
                ended++;
            }
        }
        if (ended > 0) {
            LOG.log(System.Logger.Level.INFO, "viewfs mount " + mountPoint + ": ended " + ended
                    + " keeper(s) of dead earlier instances");
        }
        return ended;
    }

    /** The keepers of this mount point's instances, found by name and by the fsname in their command line. */
    public List<Keeper> keepers() {
        List<Keeper> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(proc.root(), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path dir : ds) {
                String comm = proc.read(dir.resolve("comm"));
                if (comm == null || !(comm.strip().equals(KEEPER_NAME) || comm.strip().equals(ORPHAN_NAME))) {
                    continue;
                }
                String cmdline = proc.read(dir.resolve("cmdline"));
                String[] args = cmdline == null ? new String[0] : cmdline.split("\0");
                if (args.length >= 4 && args[3].equals(fsName) && args[1].matches("\\d+")) {
                    out.add(new Keeper(Integer.parseInt(dir.getFileName().toString()), Integer.parseInt(args[1]),
                            comm.strip().equals(ORPHAN_NAME)));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("viewfs: list processes in " + proc.root() + ": " + e, e);
        }
        return out;
    }

    /** Its server is gone (the keeper renames itself a moment after the death: the pid tells sooner). */
    private boolean orphaned(Keeper k) {
        return k.orphan() || !Files.exists(proc.root().resolve(Integer.toString(k.serverPid())));
    }

    private int fuseFd() {
        Path fds = proc.root().resolve(ProcessHandle.current().pid() + "/fd");
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(fds)) {
            for (Path fd : ds) {
                try {
                    if (Files.readSymbolicLink(fd).toString().equals("/dev/fuse")) {
                        return Integer.parseInt(fd.getFileName().toString());
                    }
                } catch (IOException e) {
                    // closed while listing
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "viewfs mount " + mountPoint + ": list " + fds + ": " + e.getMessage());
        }
        return -1;
    }

    /** Runs the helper for one namespace; null when it succeeded, else what went wrong. */
    private String remount(StaleBinds.Namespace ns) {
        List<String> cmd = new ArrayList<>(List.of(helper.toString(), Integer.toString(ns.pid())));
        for (StaleBinds.Bind b : ns.binds()) {
            cmd.add(b.root().equals("/") ? mountPoint.toString() : mountPoint + b.root());
            cmd.add(b.mountPoint());
        }
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            if (!p.waitFor(HELPER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return helper + " did not finish in " + HELPER_TIMEOUT_SECONDS + " s";
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.exitValue() == 0 ? null : helper + " exited " + p.exitValue() + ": " + out;
        } catch (IOException e) {
            return "run " + helper + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private List<MountInfo.Entry> mountsAtMountPoint() {
        String self = proc.read(proc.root().resolve("self/mountinfo"));
        if (self == null) {
            throw new IllegalStateException("viewfs mount " + mountPoint + ": cannot read " + proc.root() + "/self/mountinfo");
        }
        return MountInfo.parse(self.lines().toList()).stream()
                .filter(e -> e.source().equals(fsName) && e.mountPoint().equals(mountPoint))
                .toList();
    }

    private static volatile Libc libc;

    private static Libc libc() {
        if (libc == null) {
            libc = LibraryLoader.create(Libc.class).load("c");
        }
        return libc;
    }
}
