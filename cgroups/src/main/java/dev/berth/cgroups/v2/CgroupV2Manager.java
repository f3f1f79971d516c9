package dev.berth.cgroups.v2;

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
import java.util.List;
import java.util.Optional;

/** The cgroupfs driver on a unified (v2) host: a container's cgroup is {@code <mount>/<cgroupsPath>}. */
public final class CgroupV2Manager implements CgroupManager {
    private final CgroupLayout layout;
    private final String root;

    public CgroupV2Manager(CgroupLayout layout) {
        this(layout, CgroupPaths.DEFAULT_ROOT);
    }

    /** @param root the default parent of container cgroups; remove() never removes it */
    public CgroupV2Manager(CgroupLayout layout, String root) {
        if (layout.mode() != CgroupMode.V2) {
            throw BerthException.invalid("create v2 cgroup manager: layout is " + layout.mode());
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

    public Path dir(String cgroupsPath) {
        return CgroupPaths.resolve(layout.unifiedMount(), cgroupsPath);
    }

    @Override
    public CgroupStats stats(String cgroupsPath) {
        return CgroupV2Stats.read(existing("stats", cgroupsPath));
    }

    @Override
    public void update(String cgroupsPath, Resources r) {
        Path dir = existing("update", cgroupsPath);
        try {
            if (r.cpusetCpus() != null || r.cpusetMems() != null) {
                new CpusetControllerV2(dir).set(r.cpusetCpus(), r.cpusetMems());
            }
            // computed before any write so a bad combination changes nothing
            Long swapMax = Resources.swapMaxForV2(r.memoryLimit(), r.memorySwap());
            MemoryControllerV2 mem = new MemoryControllerV2(dir);
            if (r.memoryLimit() != null) {
                mem.setMax(r.memoryLimit());
            }
            if (swapMax != null) {
                mem.setSwapMax(swapMax);
            }
            CpuControllerV2 cpu = new CpuControllerV2(dir);
            if (r.cpuShares() != null) {
                cpu.setWeight(Resources.sharesToWeight(r.cpuShares()));
            }
            cpu.setMax(r.cpuQuota(), r.cpuPeriod());
            if (r.blkioWeight() != null) {
                new IoControllerV2(dir).setBlkioWeight(r.blkioWeight());
            }
            if (r.pidsLimit() != null) {
                new PidsControllerV2(dir).setMax(r.pidsLimit());
            }
        } catch (BerthException e) {
            throw new BerthException(e.kind(), "update cgroup " + cgroupsPath + ": " + e.getMessage(), e);
        }
    }

    private Path existing(String op, String cgroupsPath) {
        Path d = dir(cgroupsPath);
        if (!Files.isDirectory(d)) {
            throw BerthException.notFound(op + " cgroup " + cgroupsPath + ": not found");
        }
        return d;
    }

    @Override
    public boolean exists(String cgroupsPath) {
        return Files.isDirectory(dir(cgroupsPath));
    }

    @Override
    public void remove(String cgroupsPath) {
        CgroupPaths.removeWithParents(layout.unifiedMount(), cgroupsPath, root);
    }

    /** A pod's cgroup parent, once its containers are gone (the cgroupfs driver made nothing else for it). */
    @Override
    public void removePodParent(String parent) {
        CgroupPaths.podParent(root, parent).ifPresent(p -> CgroupPaths.removeWithParents(layout.unifiedMount(), p, root));
    }

    @Override
    public long oomKillCount(String cgroupsPath) {
        return new MemoryControllerV2(dir(cgroupsPath)).oomKillCount();
    }

    @Override
    public List<Integer> pids(String cgroupsPath) {
        return CgroupPaths.procs(dir(cgroupsPath));
    }

    @Override
    public Optional<Pressure> pressure(String cgroupsPath) {
        Path d = dir(cgroupsPath);
        return Files.isDirectory(d) ? Optional.of(Pressure.read(d)) : Optional.empty();
    }
}
