package dev.berth.viewfs.cgroup;

import dev.berth.cgroups.CgroupLayout;
import dev.berth.cgroups.CgroupMode;
import dev.berth.viewfs.caller.CgroupParents;
import dev.berth.viewfs.caller.ContainerCgroup;
import dev.berth.viewfs.view.CpuSnapshot;
import dev.berth.viewfs.view.DeviceIo;
import dev.berth.viewfs.view.MemorySnapshot;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Reads what the views need from a container's cgroup, through the controller classes of
 * berth-cgroups. One implementation per cgroup version; {@link #forLayout} picks it.
 */
public abstract class CgroupSource {
    public static CgroupSource forLayout(CgroupLayout layout) {
        return layout.mode() == CgroupMode.V2 ? new V2Source(layout) : new V1Source(layout);
    }

    /** The slow-changing inputs: every limit on the way up, the cpuset, the start time. */
    public abstract Limits limits(ContainerCgroup c);

    /** The container's memory counters now, with {@code limits} from {@link #limits} (possibly cached). */
    public abstract MemorySnapshot memory(ContainerCgroup c, Limits limits);

    /** The container's CPU time now, with {@code limits} from {@link #limits} (possibly cached). */
    public abstract CpuSnapshot cpu(ContainerCgroup c, Limits limits);

    public MemorySnapshot memory(ContainerCgroup c) {
        return memory(c, limits(c));
    }

    public CpuSnapshot cpu(ContainerCgroup c) {
        return cpu(c, limits(c));
    }

    /** The container's I/O (descendants included) by block device "major:minor"; empty when not accounted. */
    public abstract Map<String, DeviceIo> io(ContainerCgroup c);

    /** Whether {@link #pressure} can answer: cgroup v2 keeps PSI per cgroup, v1 does not. */
    public abstract boolean offersPressure();

    /** The container's {@code resource}.pressure file (cpu, memory, io); null when there is none. */
    public abstract String pressure(ContainerCgroup c, String resource);

    /** The container's directory in the hierarchy that identifies it; gone once the container is removed. */
    public abstract Path primaryDir(ContainerCgroup c);

    /** The mount of the hierarchy that identifies containers (v1 memory, else cpu...; the unified one on v2). */
    abstract Path primaryMount();

    /**
     * Every container, with its primary path as id: the children of each parent, and the container
     * scopes of berthd's systemd driver, which lie in slices at any depth (only slices are walked).
     */
    public List<ContainerCgroup> containers(CgroupParents parents) {
        Path root = primaryMount();
        List<ContainerCgroup> out = new ArrayList<>();
        for (String parent : parents.parents()) {
            out.addAll(children(root, parent));
        }
        collectScopes(root, root, parents, out);
        return out;
    }

    private static void collectScopes(Path root, Path dir, CgroupParents parents, List<ContainerCgroup> out) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path child : ds) {
                String name = child.getFileName().toString();
                if (name.endsWith(".slice")) {
                    collectScopes(root, child, parents, out);
                } else if (name.endsWith(".scope")) {
                    String path = "/" + root.relativize(child);
                    if (path.equals(parents.containerOf(path))) {
                        out.add(new ContainerCgroup(path, Map.of()));
                    }
                }
            }
        } catch (IOException e) {
            // a slice removed while walking holds no containers
        }
    }

    /** The ids of the threads in the container's cgroup and every cgroup below it. */
    public abstract List<Integer> threads(ContainerCgroup c);

    /**
     * When the container's cgroup was made, in epoch nanoseconds; -1 when it is gone. cgroupfs keeps
     * no birth time, but the ctime of a cgroup directory is set at mkdir and only changes on chmod
     * or chown, which runtimes do before they start the container.
     */
    public long createdEpochNanos(ContainerCgroup c) {
        try {
            FileTime t = (FileTime) Files.getAttribute(primaryDir(c), "unix:ctime");
            return t.to(TimeUnit.NANOSECONDS);
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }

    /** The directory and its ancestors up to and including {@code mount}, nearest first. */
    static List<Path> upTo(Path dir, Path mount) {
        List<Path> out = new ArrayList<>();
        for (Path d = dir; d != null && d.startsWith(mount); d = d.getParent()) {
            out.add(d);
        }
        return out;
    }

    /** The directory and every directory below it. */
    static List<Path> subtree(Path dir) {
        List<Path> out = new ArrayList<>();
        collect(dir, out);
        return out;
    }

    private static void collect(Path dir, List<Path> out) {
        out.add(dir);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path child : ds) {
                collect(child, out);
            }
        } catch (IOException e) {
            // removed while walking: its threads are gone too
        }
    }

    /** Children of {@code mount + parent} as containers with the same path in every hierarchy. */
    static List<ContainerCgroup> children(Path mount, String parent) {
        List<ContainerCgroup> out = new ArrayList<>();
        Path dir = mount.resolve(parent.substring(1));
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path child : ds) {
                out.add(new ContainerCgroup(parent + "/" + child.getFileName(), Map.of()));
            }
        } catch (IOException e) {
            // no such parent yet: no containers
        }
        return out;
    }

    /** Thread ids listed one per line in a cgroup file (tasks, cgroup.threads). */
    static void addIds(String text, List<Integer> out) {
        if (text == null) {
            return;
        }
        for (String line : text.split("\n")) {
            if (!line.isBlank()) {
                out.add(Integer.parseInt(line.trim()));
            }
        }
    }
}
