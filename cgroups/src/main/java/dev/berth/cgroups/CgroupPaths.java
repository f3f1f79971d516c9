package dev.berth.cgroups;

import dev.berth.oci.BerthException;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * cgroupfs path rules shared by the v1 and v2 cgroupfs managers: building and checking
 * linux.cgroupsPath values, resolving them under a mount, and removing a cgroup with its empty
 * parents. An absolute cgroupsPath is taken from the hierarchy's mount point, as runc does.
 */
public final class CgroupPaths {
    public static final String DEFAULT_ROOT = "berth";
    private static final System.Logger LOG = System.getLogger(CgroupPaths.class.getName());
    /** rmdir of a cgroup whose last task just exited can see EBUSY for a few ms. */
    static final int RMDIR_ATTEMPTS = 8;
    static final long RMDIR_FIRST_DELAY_MS = 10;

    private CgroupPaths() {
    }

    /** "/&lt;parent&gt;/&lt;id&gt;", parent defaulting to {@code root}. */
    public static String cgroupsPath(String root, String parent, String containerId) {
        if (containerId == null || containerId.isEmpty() || containerId.contains("/")
                || containerId.equals(".") || containerId.equals("..")) {
            throw BerthException.invalid("cgroups path for container '" + containerId + "': bad container id");
        }
        String p = parent == null || parent.isBlank() ? root : parent.strip();
        p = p.replaceAll("^/+", "").replaceAll("/+$", "");
        String path = "/" + (p.isEmpty() ? "" : p + "/") + containerId;
        return check(path);
    }

    /**
     * The cgroups path of a pod's cgroup parent, for removing it once the pod's containers are gone (runc
     * makes its directories with the first container and leaves them behind); empty when the pod has none of
     * its own, i.e. it uses {@code root}, which is never removed.
     */
    public static java.util.Optional<String> podParent(String root, String parent) {
        String p = parent == null ? "" : parent.strip().replaceAll("^/+", "").replaceAll("/+$", "");
        if (p.isEmpty() || p.equals(root.replaceAll("^/+", ""))) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(check("/" + p));
    }

    /** Rejects relative, non-normalized and escaping paths; returns the path. */
    public static String check(String cgroupsPath) {
        if (cgroupsPath == null || !cgroupsPath.startsWith("/") || cgroupsPath.equals("/")) {
            throw BerthException.invalid("cgroups path '" + cgroupsPath + "': must be absolute and not the root");
        }
        for (String part : cgroupsPath.substring(1).split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw BerthException.invalid("cgroups path '" + cgroupsPath + "': not normalized");
            }
        }
        return cgroupsPath;
    }

    /** The cgroup's directory under a hierarchy mount point. */
    public static Path resolve(Path mount, String cgroupsPath) {
        return mount.resolve(check(cgroupsPath).substring(1));
    }

    /**
     * Removes {@code mount + cgroupsPath}, then each now-empty parent that is strictly below
     * {@code mount/root}. Absent is fine. Throws FAILED_PRECONDITION if the leaf stays busy.
     */
    public static void removeWithParents(Path mount, String cgroupsPath, String root) {
        Path leaf = resolve(mount, cgroupsPath);
        rmdirRetrying(leaf, cgroupsPath);
        Path top = mount.resolve(root);
        for (Path p = leaf.getParent(); p != null && p.startsWith(top) && !p.equals(top); p = p.getParent()) {
            try {
                Files.deleteIfExists(p);
            } catch (DirectoryNotEmptyException e) {
                return;
            } catch (IOException e) {
                // a sibling container's cgroup keeps it busy: that is the normal case
                return;
            }
        }
    }

    private static void rmdirRetrying(Path dir, String cgroupsPath) {
        long delay = RMDIR_FIRST_DELAY_MS;
        for (int attempt = 1; ; attempt++) {
            try {
                Files.deleteIfExists(dir);
                return;
            } catch (NoSuchFileException e) {
                return;
            } catch (FileSystemException e) {
                boolean busy = e instanceof DirectoryNotEmptyException
                        || String.valueOf(e.getReason()).contains("busy");
                if (!busy) {
                    throw BerthException.internal("remove cgroup " + cgroupsPath + ": rmdir " + dir + ": " + e, e);
                }
                if (attempt >= RMDIR_ATTEMPTS) {
                    throw new BerthException(BerthException.Kind.FAILED_PRECONDITION,
                            "remove cgroup " + cgroupsPath + ": " + dir + " still busy (processes or child cgroups)", e);
                }
                LOG.log(System.Logger.Level.DEBUG, "remove cgroup " + cgroupsPath + ": " + dir + " busy, retrying");
                sleep(delay);
                delay = Math.min(delay * 2, 200);
            } catch (IOException e) {
                throw BerthException.internal("remove cgroup " + cgroupsPath + ": rmdir " + dir + ": " + e, e);
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(BerthException.Kind.UNAVAILABLE, "remove cgroup: interrupted", e);
        }
    }

    /** Reads cgroup.procs of a directory; empty when absent. */
    public static java.util.List<Integer> procs(Path dir) {
        String s = CgroupFiles.readString(dir.resolve("cgroup.procs"));
        java.util.List<Integer> out = new java.util.ArrayList<>();
        if (s == null || s.isEmpty()) {
            return out;
        }
        for (String line : s.split("\n")) {
            if (!line.isBlank()) {
                out.add(Integer.parseInt(line.trim()));
            }
        }
        return out;
    }
}
