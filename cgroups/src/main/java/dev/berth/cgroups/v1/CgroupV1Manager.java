package dev.berth.cgroups.v1;

import dev.berth.cgroups.CgroupFiles;
import dev.berth.cgroups.CgroupLayout;
import dev.berth.cgroups.CgroupManager;
import dev.berth.cgroups.CgroupMode;
import dev.berth.cgroups.CgroupPaths;
import dev.berth.cgroups.CgroupStats;
import dev.berth.cgroups.Pressure;
import dev.berth.cgroups.Resources;
import dev.berth.oci.BerthException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The cgroupfs driver on v1 and hybrid hosts: a container's cgroup is {@code <mount>/<cgroupsPath>}
 * in every v1 hierarchy (and in the unified one on hybrid hosts, where runc also creates it).
 */
public final class CgroupV1Manager implements CgroupManager {
    private final CgroupLayout layout;
    private final String root;

    public CgroupV1Manager(CgroupLayout layout) {
        this(layout, CgroupPaths.DEFAULT_ROOT);
    }

    /** @param root the default parent of container cgroups; remove() never removes it */
    public CgroupV1Manager(CgroupLayout layout, String root) {
        if (layout.mode() == CgroupMode.V2) {
            throw BerthException.invalid("create v1 cgroup manager: layout is " + layout.mode());
        }
        this.layout = layout;
        this.root = CgroupPaths.check("/" + root).substring(1);
    }

    @Override
    public String driver() {
        return "cgroupfs";
    }

    @Override
    public String cgroupsPath(String parent, String containerId) {
        return CgroupPaths.cgroupsPath(root, parent, containerId);
    }

    /** Controller (or "name=..." hierarchy) to the container's directory in it. */
    public Map<String, Path> dirs(String cgroupsPath) {
        Map<String, Path> out = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : layout.v1Mounts().entrySet()) {
            out.put(e.getKey(), CgroupPaths.resolve(e.getValue(), cgroupsPath));
        }
        return out;
    }

    @Override
    public CgroupStats stats(String cgroupsPath) {
        requireExists("stats", cgroupsPath);
        return CgroupV1Stats.read(dirs(cgroupsPath));
    }

    @Override
    public void update(String cgroupsPath, Resources r) {
        requireExists("update", cgroupsPath);
        Map<String, Path> dirs = dirs(cgroupsPath);
        try {
            // the order runc applies its v1 subsystems in
            if (r.cpusetCpus() != null || r.cpusetMems() != null) {
                new CpusetControllerV1(dir(dirs, "cpuset")).set(r.cpusetCpus(), r.cpusetMems());
            }
            if (r.memoryLimit() != null || r.memorySwap() != null) {
                new MemoryControllerV1(dir(dirs, "memory")).setLimits(r.memoryLimit(), r.memorySwap());
            }
            if (r.cpuShares() != null || r.cpuQuota() != null || r.cpuPeriod() != null) {
                CpuControllerV1 cpu = new CpuControllerV1(dir(dirs, "cpu"));
                if (r.cpuShares() != null) {
                    cpu.setShares(r.cpuShares());
                }
                cpu.setQuotaPeriod(r.cpuQuota(), r.cpuPeriod());
            }
            if (r.pidsLimit() != null) {
                new PidsControllerV1(dir(dirs, "pids")).setMax(r.pidsLimit());
            }
            if (r.blkioWeight() != null) {
                new BlkioControllerV1(dir(dirs, "blkio")).setWeight(r.blkioWeight());
            }
        } catch (BerthException e) {
            throw new BerthException(e.kind(), "update cgroup " + cgroupsPath + ": " + e.getMessage(), e);
        }
    }

    private static Path dir(Map<String, Path> dirs, String controller) {
        Path p = dirs.get(controller);
        if (p == null) {
            throw new BerthException(BerthException.Kind.FAILED_PRECONDITION,
                    "the " + controller + " controller is not mounted");
        }
        return p;
    }

    @Override
    public boolean exists(String cgroupsPath) {
        return dirs(cgroupsPath).values().stream().anyMatch(Files::isDirectory);
    }

    @Override
    public boolean weightsBlockIo() {
        return BlkioControllerV1.available(layout);
    }

    private void requireExists(String op, String cgroupsPath) {
        if (!exists(cgroupsPath)) {
            throw BerthException.notFound(op + " cgroup " + cgroupsPath + ": not found");
        }
    }

    @Override
    public void remove(String cgroupsPath) {
        CgroupPaths.check(cgroupsPath);
        for (Path mount : mounts()) {
            CgroupPaths.removeWithParents(mount, cgroupsPath, root);
        }
    }

    /** Every distinct hierarchy mount, including the unified one on hybrid hosts. */
    private Set<Path> mounts() {
        Set<Path> m = new LinkedHashSet<>(layout.v1Mounts().values());
        if (layout.unifiedMount() != null) {
            m.add(layout.unifiedMount());
        }
        return m;
    }

    /** A pod's cgroup parent, once its containers are gone (the cgroupfs driver made nothing else for it). */
    @Override
    public void removePodParent(String parent) {
        CgroupPaths.podParent(root, parent).ifPresent(p -> mounts().forEach(m -> CgroupPaths.removeWithParents(m, p, root)));
    }

    @Override
    public long oomKillCount(String cgroupsPath) {
        Path mem = dirs(cgroupsPath).get("memory");
        return mem == null ? CgroupFiles.UNAVAILABLE : new MemoryControllerV1(mem).oomKillCount();
    }

    /** From the pids hierarchy, else memory, else any: all hold the same processes when runc made them. */
    @Override
    public List<Integer> pids(String cgroupsPath) {
        Map<String, Path> dirs = dirs(cgroupsPath);
        List<Path> order = new ArrayList<>();
        for (String c : List.of("pids", "memory")) {
            if (dirs.containsKey(c)) {
                order.add(dirs.get(c));
            }
        }
        order.addAll(dirs.values());
        for (Path d : order) {
            if (Files.isDirectory(d)) {
                return CgroupPaths.procs(d);
            }
        }
        return List.of();
    }

    /** Hybrid hosts can have PSI files in the container's unified-hierarchy directory. */
    @Override
    public Optional<Pressure> pressure(String cgroupsPath) {
        if (layout.unifiedMount() == null) {
            return Optional.empty();
        }
        Path d = CgroupPaths.resolve(layout.unifiedMount(), cgroupsPath);
        return Files.isDirectory(d) ? Optional.of(Pressure.read(d)) : Optional.empty();
    }
}
