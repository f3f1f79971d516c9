package dev.berth.viewfs.cgroup;

import dev.berth.cgroups.CgroupFiles;
import dev.berth.cgroups.CgroupLayout;
import dev.berth.cgroups.CgroupPaths;
import dev.berth.cgroups.v2.CpuControllerV2;
import dev.berth.cgroups.v2.CpusetControllerV2;
import dev.berth.cgroups.v2.MemoryControllerV2;
import dev.berth.viewfs.caller.ContainerCgroup;
import dev.berth.viewfs.io.SmallFiles;
import dev.berth.viewfs.view.CpuSnapshot;
import dev.berth.viewfs.view.DeviceIo;
import dev.berth.viewfs.view.MemorySnapshot;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Pure cgroup v2 hosts: one directory per container. */
final class V2Source extends CgroupSource {
    private final Path mount;

    V2Source(CgroupLayout layout) {
        this.mount = layout.unifiedMount();
    }

    @Override
    public Path primaryDir(ContainerCgroup c) {
        return CgroupPaths.resolve(mount, c.path(""));
    }

    @Override
    public Limits limits(ContainerCgroup c) {
        Path dir = primaryDir(c);
        long limit = CgroupFiles.UNLIMITED;
        long swapLimit = CgroupFiles.UNLIMITED;
        boolean swap = new MemoryControllerV2(dir).swapMax() != CgroupFiles.UNAVAILABLE;
        long quota = CgroupFiles.UNLIMITED;
        long period = CgroupFiles.UNAVAILABLE;
        // the root has no memory.max nor cpu.max: UNAVAILABLE there leaves the figures alone
        for (Path d : upTo(dir, mount)) {
            MemoryControllerV2 level = new MemoryControllerV2(d);
            limit = V1Source.tightest(limit, level.max());
            if (swap) {
                swapLimit = V1Source.tightest(swapLimit, level.swapMax());
            }
            long[] max = new CpuControllerV2(d).max();
            if (max[0] > 0 && max[1] > 0 && (quota <= 0 || (double) max[0] / max[1] < (double) quota / period)) {
                quota = max[0];
                period = max[1];
            }
        }
        // an empty cpuset.cpus means "the parent's": the effective list is the one the scheduler uses
        String cpuset = CgroupFiles.readString(dir.resolve("cpuset.cpus.effective"));
        if (cpuset == null || cpuset.isEmpty()) {
            cpuset = new CpusetControllerV2(dir).cpus();
        }
        return new Limits(limit, swap ? swapLimit : CgroupFiles.UNAVAILABLE, quota, period, cpuset, createdEpochNanos(c));
    }

    @Override
    public MemorySnapshot memory(ContainerCgroup c, Limits l) {
        Path dir = primaryDir(c);
        Map<String, String> s = Counters.readKeyed(dir.resolve("memory.stat"));
        return new MemorySnapshot(l.memory(), Math.max(0, Counters.readLong(dir.resolve("memory.current"))), l.swap(),
                l.swap() != CgroupFiles.UNAVAILABLE ? Counters.readLong(dir.resolve("memory.swap.current")) : CgroupFiles.UNAVAILABLE,
                k(s, "file"), k(s, "anon"),
                k(s, "active_anon"), k(s, "inactive_anon"), k(s, "active_file"), k(s, "inactive_file"),
                k(s, "unevictable"), k(s, "shmem"), k(s, "file_mapped"), k(s, "file_dirty"), k(s, "file_writeback"),
                k(s, "slab_reclaimable"), k(s, "slab_unreclaimable"));
    }

    private static long k(Map<String, String> stat, String key) {
        return CgroupFiles.keyedOr(stat, key, 0);
    }

    @Override
    public CpuSnapshot cpu(ContainerCgroup c, Limits l) {
        Map<String, String> stat = new CpuControllerV2(primaryDir(c)).stat();
        return new CpuSnapshot(l.quotaMicros(), l.periodMicros(), l.cpuset(), micros(stat, "user_usec"),
                micros(stat, "system_usec"), micros(stat, "usage_usec"));
    }

    private static long micros(Map<String, String> stat, String key) {
        long v = CgroupFiles.keyedOr(stat, key, CgroupFiles.UNAVAILABLE);
        return v >= 0 ? v * 1000 : v;
    }

    /** From io.stat: "8:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0", descendants included. */
    @Override
    public Map<String, DeviceIo> io(ContainerCgroup c) {
        String text = SmallFiles.read(primaryDir(c).resolve("io.stat"));
        Map<String, DeviceIo> out = new HashMap<>();
        if (text == null) {
            return out;
        }
        for (String line : text.split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length < 2 || f[0].indexOf(':') <= 0) {
                continue;
            }
            Map<String, String> kv = new HashMap<>();
            for (int i = 1; i < f.length; i++) {
                int eq = f[i].indexOf('=');
                if (eq > 0) {
                    kv.put(f[i].substring(0, eq), f[i].substring(eq + 1));
                }
            }
            out.put(f[0], new DeviceIo(k(kv, "rbytes"), k(kv, "wbytes"), k(kv, "rios"), k(kv, "wios"),
                    k(kv, "dbytes"), k(kv, "dios")));
        }
        return out;
    }

    @Override
    public boolean offersPressure() {
        return true;
    }

    @Override
    public String pressure(ContainerCgroup c, String resource) {
        return SmallFiles.read(primaryDir(c).resolve(resource + ".pressure"));
    }

    @Override
    Path primaryMount() {
        return mount;
    }

    @Override
    public List<Integer> threads(ContainerCgroup c) {
        List<Integer> out = new ArrayList<>();
        for (Path d : subtree(primaryDir(c))) {
            addIds(CgroupFiles.readString(d.resolve("cgroup.threads")), out);
        }
        return out;
    }
}
