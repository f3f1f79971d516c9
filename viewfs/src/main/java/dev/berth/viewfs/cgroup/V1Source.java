package dev.berth.viewfs.cgroup;

import dev.berth.cgroups.CgroupFiles;
import dev.berth.cgroups.CgroupLayout;
import dev.berth.cgroups.CgroupPaths;
import dev.berth.cgroups.v1.CpuControllerV1;
import dev.berth.cgroups.v1.CpuacctControllerV1;
import dev.berth.cgroups.v1.CpusetControllerV1;
import dev.berth.cgroups.v1.MemoryControllerV1;
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

/** cgroup v1 and hybrid hosts: everything through the v1 controller hierarchies. */
final class V1Source extends CgroupSource {
    private final CgroupLayout layout;
    /** The hierarchy that identifies containers, as CallerResolver picks it. */
    private final String primary;

    V1Source(CgroupLayout layout) {
        this.layout = layout;
        this.primary = List.of("memory", "cpu", "cpuacct", "pids").stream()
                .filter(layout.v1Mounts()::containsKey).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("viewfs: no v1 memory, cpu, cpuacct or pids hierarchy in "
                        + layout.v1Mounts().keySet()));
    }

    private Path mount(String controller) {
        return layout.v1Mounts().get(controller);
    }

    private Path dir(ContainerCgroup c, String controller) {
        Path m = mount(controller);
        return m == null ? null : CgroupPaths.resolve(m, c.path(controller));
    }

    @Override
    public Path primaryDir(ContainerCgroup c) {
        return dir(c, primary);
    }

    @Override
    public Limits limits(ContainerCgroup c) {
        long limit = CgroupFiles.UNLIMITED;
        long swapLimit = CgroupFiles.UNAVAILABLE;
        Path memDir = dir(c, "memory");
        if (memDir != null) {
            long memswLimit = CgroupFiles.UNLIMITED;
            boolean swap = new MemoryControllerV1(memDir).swapAccounting();
            for (Path d : upTo(memDir, mount("memory"))) {
                MemoryControllerV1 level = new MemoryControllerV1(d);
                limit = tightest(limit, level.limit());
                if (swap) {
                    memswLimit = tightest(memswLimit, level.memswLimit());
                }
            }
            if (swap) {
                swapLimit = memswLimit < 0 ? CgroupFiles.UNLIMITED : Math.max(0, memswLimit - Math.max(0, limit));
            }
        }
        long quota = CgroupFiles.UNLIMITED;
        long period = CgroupFiles.UNAVAILABLE;
        Path cpuDir = dir(c, "cpu");
        if (cpuDir != null) {
            for (Path d : upTo(cpuDir, mount("cpu"))) {
                CpuControllerV1 cpu = new CpuControllerV1(d);
                long q = cpu.quota();
                long p = cpu.period();
                if (q > 0 && p > 0 && (quota <= 0 || (double) q / p < (double) quota / period)) {
                    quota = q;
                    period = p;
                }
            }
        }
        String cpuset = null;
        Path cpusetDir = dir(c, "cpuset");
        if (cpusetDir != null) {
            // effective_cpus reflects hotplug and the parent's set; cpuset.cpus is what older kernels have
            cpuset = CgroupFiles.readString(cpusetDir.resolve("cpuset.effective_cpus"));
            if (cpuset == null || cpuset.isEmpty()) {
                cpuset = new CpusetControllerV1(cpusetDir).cpus();
            }
        }
        return new Limits(limit, swapLimit, quota, period, cpuset, createdEpochNanos(c));
    }

    @Override
    public MemorySnapshot memory(ContainerCgroup c, Limits l) {
        Path dir = dir(c, "memory");
        if (dir == null) {
            return new MemorySnapshot(CgroupFiles.UNLIMITED, 0, CgroupFiles.UNAVAILABLE, CgroupFiles.UNAVAILABLE,
                    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, CgroupFiles.UNAVAILABLE, CgroupFiles.UNAVAILABLE);
        }
        long usage = Math.max(0, Counters.readLong(dir.resolve("memory.usage_in_bytes")));
        long swapUsage = CgroupFiles.UNAVAILABLE;
        if (l.swap() != CgroupFiles.UNAVAILABLE) {
            long memsw = Counters.readLong(dir.resolve("memory.memsw.usage_in_bytes"));
            swapUsage = memsw >= 0 ? Math.max(0, memsw - usage) : CgroupFiles.UNAVAILABLE;
        }
        Map<String, String> s = Counters.readKeyed(dir.resolve("memory.stat"));
        return new MemorySnapshot(l.memory(), usage, l.swap(), swapUsage, total(s, "cache"), total(s, "rss"),
                total(s, "active_anon"), total(s, "inactive_anon"), total(s, "active_file"), total(s, "inactive_file"),
                total(s, "unevictable"), total(s, "shmem"), total(s, "mapped_file"), total(s, "dirty"),
                total(s, "writeback"), CgroupFiles.UNAVAILABLE, CgroupFiles.UNAVAILABLE);
    }

    /** v1 memory.stat: total_X counts descendants as usage_in_bytes does; X alone on old kernels. */
    private static long total(Map<String, String> stat, String key) {
        return CgroupFiles.keyedOr(stat, "total_" + key, CgroupFiles.keyedOr(stat, key, 0));
    }

    @Override
    public CpuSnapshot cpu(ContainerCgroup c, Limits l) {
        long user = CgroupFiles.UNAVAILABLE;
        long system = CgroupFiles.UNAVAILABLE;
        long usage = CgroupFiles.UNAVAILABLE;
        Path acct = dir(c, "cpuacct");
        if (acct != null) {
            CpuacctControllerV1 a = new CpuacctControllerV1(acct);
            user = a.userNanos();
            system = a.systemNanos();
            usage = a.usageNanos();
        }
        return new CpuSnapshot(l.quotaMicros(), l.periodMicros(), l.cpuset(), user, system, usage);
    }

    /**
     * From blkio.throttle.io_service_bytes and io_serviced ("8:0 Read 4096" lines), the _recursive
     * variants where the kernel has them: the throttle files count every request whether or not a
     * limit is set, where the plain blkio.io_* files exist only under the CFQ and BFQ schedulers.
     */
    @Override
    public Map<String, DeviceIo> io(ContainerCgroup c) {
        Path dir = dir(c, "blkio");
        if (dir == null) {
            return Map.of();
        }
        Map<String, Map<String, Long>> bytes = perDeviceOps(dir, "blkio.throttle.io_service_bytes");
        Map<String, Map<String, Long>> ops = perDeviceOps(dir, "blkio.throttle.io_serviced");
        Map<String, DeviceIo> out = new HashMap<>();
        for (String dev : bytes.keySet()) {
            Map<String, Long> b = bytes.get(dev);
            Map<String, Long> o = ops.getOrDefault(dev, Map.of());
            out.put(dev, new DeviceIo(b.getOrDefault("Read", 0L), b.getOrDefault("Write", 0L), o.getOrDefault("Read", 0L),
                    o.getOrDefault("Write", 0L), b.getOrDefault("Discard", 0L), o.getOrDefault("Discard", 0L)));
        }
        return out;
    }

    private static Map<String, Map<String, Long>> perDeviceOps(Path dir, String file) {
        String text = SmallFiles.read(dir.resolve(file + "_recursive"));
        if (text == null) {
            text = SmallFiles.read(dir.resolve(file));
        }
        Map<String, Map<String, Long>> out = new HashMap<>();
        if (text == null) {
            return out;
        }
        for (String line : text.split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length == 3 && f[0].indexOf(':') > 0) {
                try {
                    out.computeIfAbsent(f[0], k -> new HashMap<>()).put(f[1], Long.parseLong(f[2]));
                } catch (NumberFormatException e) {
                    // a line this parser does not know: the other lines still count
                }
            }
        }
        return out;
    }

    @Override
    public boolean offersPressure() {
        return false;
    }

    @Override
    public String pressure(ContainerCgroup c, String resource) {
        return null;
    }

    @Override
    Path primaryMount() {
        return mount(primary);
    }

    @Override
    public List<Integer> threads(ContainerCgroup c) {
        List<Integer> out = new ArrayList<>();
        for (Path d : subtree(primaryDir(c))) {
            addIds(CgroupFiles.readString(d.resolve("tasks")), out);
        }
        return out;
    }

    static long tightest(long current, long level) {
        return level >= 0 && (current < 0 || level < current) ? level : current;
    }
}
