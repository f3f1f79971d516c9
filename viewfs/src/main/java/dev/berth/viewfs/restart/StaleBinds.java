package dev.berth.viewfs.restart;

import dev.berth.cgroups.proc.MountInfo;
import dev.berth.viewfs.caller.ProcFs;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the mount namespaces that still hold mounts of an earlier instance of this server (same
 * fsname, another superblock): after that instance died, every read through them fails with
 * ENOTCONN. One process per namespace is enough to enter it, so namespaces are told apart by the
 * inode of /proc/PID/ns/mnt and each one's mountinfo is read once.
 */
public final class StaleBinds {
    /**
     * A namespace to heal, entered through {@code pid}.
     *
     * @param binds each stale mount's path inside the file system (its mountinfo root, e.g.
     *              "/proc/meminfo") and where {@code pid} sees it mounted
     */
    public record Namespace(int pid, String nsId, List<Bind> binds) {
    }

    public record Bind(String root, String mountPoint) {
    }

    private StaleBinds() {
    }

    /**
     * @param fsName      the mount source every instance for this mount point uses
     * @param liveDevice  the major:minor of the live instance's superblock, whose mounts are left alone
     */
    public static List<Namespace> find(ProcFs proc, String fsName, String liveDevice) {
        Set<String> seen = new HashSet<>();
        List<Namespace> out = new ArrayList<>();
        for (int pid : pids(proc.root())) {
            Path dir = proc.root().resolve(Integer.toString(pid));
            String ns;
            try {
                ns = Files.readSymbolicLink(dir.resolve("ns/mnt")).toString();
            } catch (IOException | UnsupportedOperationException e) {
                continue; // gone, or a kernel thread
            }
            if (!seen.add(ns)) {
                continue;
            }
            String mountinfo = proc.read(dir.resolve("mountinfo"));
            if (mountinfo == null) {
                seen.remove(ns); // the process went; another one may still show the namespace
                continue;
            }
            Map<String, Bind> binds = new LinkedHashMap<>();
            for (MountInfo.Entry e : MountInfo.parse(mountinfo.lines().toList())) {
                if (e.source().equals(fsName) && e.fsType().startsWith("fuse") && !e.majorMinor().equals(liveDevice)) {
                    // stacked dead mounts at one place are replaced at once: the helper detaches the top
                    binds.putIfAbsent(e.mountPoint().toString(), new Bind(e.root(), e.mountPoint().toString()));
                }
            }
            if (!binds.isEmpty()) {
                out.add(new Namespace(pid, ns, List.copyOf(binds.values())));
            }
        }
        return out;
    }

    private static List<Integer> pids(Path procRoot) {
        List<Integer> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(procRoot)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (!name.isEmpty() && name.chars().allMatch(Character::isDigit)) {
                    out.add(Integer.parseInt(name));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("viewfs: list processes in " + procRoot + ": " + e, e);
        }
        out.sort(null);
        return out;
    }
}
