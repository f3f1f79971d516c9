package dev.berth.viewfs.fuse;

import dev.berth.viewfs.caller.Caller;
import dev.berth.viewfs.caller.ContainerCgroup;
import dev.berth.viewfs.caller.ProcFs;
import dev.berth.viewfs.cgroup.CgroupSource;
import dev.berth.viewfs.cgroup.Limits;
import dev.berth.viewfs.cgroup.LimitsCache;
import dev.berth.viewfs.cgroup.LoadTracker;
import dev.berth.viewfs.view.CpuList;
import dev.berth.viewfs.view.CpuOnlineView;
import dev.berth.viewfs.view.CpuSnapshot;
import dev.berth.viewfs.view.CpuinfoView;
import dev.berth.viewfs.view.DiskstatsView;
import dev.berth.viewfs.view.LoadavgView;
import dev.berth.viewfs.view.MeminfoView;
import dev.berth.viewfs.view.PressureView;
import dev.berth.viewfs.view.StatView;
import dev.berth.viewfs.view.SwapsView;
import dev.berth.viewfs.view.SysinfoView;
import dev.berth.viewfs.view.UptimeView;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The served files, keyed by their path under the mount point, and their content for one caller:
 * the host's own file for host callers, the container's view otherwise.
 */
public final class ViewFiles {
    public static final String MEMINFO = "/proc/meminfo";
    public static final String CPUINFO = "/proc/cpuinfo";
    public static final String STAT = "/proc/stat";
    public static final String UPTIME = "/proc/uptime";
    public static final String LOADAVG = "/proc/loadavg";
    public static final String SWAPS = "/proc/swaps";
    public static final String DISKSTATS = "/proc/diskstats";
    public static final String CPU_ONLINE = "/sys/devices/system/cpu/online";
    public static final String CPU_POSSIBLE = "/sys/devices/system/cpu/possible";
    public static final String CPU_PRESENT = "/sys/devices/system/cpu/present";
    public static final String PRESSURE = "/proc/pressure/";
    /** Served everywhere. */
    public static final List<String> BASE_FILES = List.of(MEMINFO, CPUINFO, STAT, UPTIME, LOADAVG, SWAPS, DISKSTATS,
            CPU_ONLINE, CPU_POSSIBLE, CPU_PRESENT);
    /** Served where the cgroups keep PSI (v2) and the kernel has it. */
    public static final List<String> PRESSURE_FILES = List.of(PRESSURE + "cpu", PRESSURE + "memory", PRESSURE + "io");

    /**
     * How long the host's cpuinfo and online list are reused: they change on CPU hotplug only, but
     * cpuinfo is long and costly to cut per visible set, while its "cpu MHz" lines being up to this
     * old matters to no one.
     */
    static final long HOST_CPU_MAX_AGE_NANOS = 1_000_000_000L;

    /**
     * How long one rendering of a file is served to every caller of the same container (or to every
     * host caller). A meminfo render costs 4 file reads here (usage, memsw usage, memory.stat, the
     * host's meminfo), and syscalls are what this VM makes dear; readers that poll (JVMs, agents,
     * top) see values at most this old, as if they had read a few ms earlier, which procfs values
     * in motion cannot tell apart.
     */
    public static final long RENDER_MAX_AGE_NANOS = 5_000_000L;

    private record RenderKey(String container, String file) {
    }

    private record Rendering(byte[] content, long at) {
    }

    private record SysinfoAt(SysinfoView view, long at) {
    }

    /** The host's cpuinfo and online list at one moment, and the cpuinfo views cut from them so far. */
    private record HostCpus(String cpuinfo, List<Integer> online, long readAt, Map<List<Integer>, String> cpuinfoViews) {
    }

    private final ProcFs proc;
    private final Path sys;
    private final CgroupSource source;
    private final LimitsCache limits;
    private final LoadTracker load;
    private final LongSupplier epochNanos;
    private final LongSupplier nanoTime;
    private final List<String> files;
    private volatile HostCpus hostCpus;
    private final Map<RenderKey, Rendering> renderings = new ConcurrentHashMap<>();
    private final Map<String, SysinfoAt> sysinfos = new ConcurrentHashMap<>();
    private volatile long lastRenderSweep;

    /**
     * @param sys        the host's /sys (tests give a fake one)
     * @param epochNanos wall-clock time, compared with cgroup directory ctimes
     * @param nanoTime   a monotonic clock for cache ages
     */
    public ViewFiles(ProcFs proc, Path sys, CgroupSource source, LoadTracker load, LongSupplier epochNanos,
                     LongSupplier nanoTime) {
        this.proc = proc;
        this.sys = sys;
        this.source = source;
        this.limits = new LimitsCache(source, nanoTime);
        this.load = load;
        this.epochNanos = epochNanos;
        this.nanoTime = nanoTime;
        this.lastRenderSweep = nanoTime.getAsLong();
        List<String> all = new ArrayList<>(BASE_FILES);
        if (source.offersPressure() && proc.read(proc.root().resolve("pressure/cpu")) != null) {
            all.addAll(PRESSURE_FILES);
        }
        this.files = List.copyOf(all);
    }

    /** The paths served, below the mount point. */
    public List<String> files() {
        return files;
    }

    /**
     * The content of {@code file} (one of {@link #files()}) as {@code caller} should see it. Text is
     * kept as ISO-8859-1 from read to write, so the host's bytes pass through unchanged.
     */
    public byte[] render(String file, Caller caller) {
        RenderKey key = new RenderKey(viewer(caller), file);
        long now = nanoTime.getAsLong();
        Rendering r = renderings.get(key);
        if (r != null && now - r.at() < RENDER_MAX_AGE_NANOS) {
            return r.content();
        }
        String text = caller.isHost() ? host(file) : container(file, caller.container());
        byte[] content = text.getBytes(StandardCharsets.ISO_8859_1);
        renderings.put(key, new Rendering(content, now));
        if (now - lastRenderSweep > HOST_CPU_MAX_AGE_NANOS) {
            // drops the renderings of containers no longer read (removed ones among them)
            lastRenderSweep = now;
            renderings.values().removeIf(old -> now - old.at() >= RENDER_MAX_AGE_NANOS);
            sysinfos.values().removeIf(old -> now - old.at() >= RENDER_MAX_AGE_NANOS);
        }
        return content;
    }

    /** Whose view a caller sees: its container's cgroup, or "" for the host's files. */
    static String viewer(Caller caller) {
        return caller.isHost() ? "" : caller.container().id();
    }

    private String container(String file, ContainerCgroup c) {
        switch (file) {
            case MEMINFO:
                return MeminfoView.render(host(MEMINFO), source.memory(c, limits.get(c)));
            case LOADAVG:
                LoadTracker.Load l = load.load(c);
                return LoadavgView.render(l.avenrun(), l.running(), l.total(), l.lastPid());
            case SWAPS:
                return SwapsView.render(host(SWAPS), host(MEMINFO), source.memory(c, limits.get(c)));
            case DISKSTATS:
                return DiskstatsView.render(host(DISKSTATS), source.io(c));
            default:
                break;
        }
        if (file.startsWith(PRESSURE)) {
            return PressureView.render(host(file), source.pressure(c, file.substring(PRESSURE.length())));
        }
        HostCpus h = hostCpus();
        Limits lim = limits.get(c);
        List<Integer> visible = new CpuSnapshot(lim.quotaMicros(), lim.periodMicros(), lim.cpuset(), 0, 0, 0)
                .visibleCpus(h.online());
        switch (file) {
            case CPUINFO:
                return h.cpuinfoViews().computeIfAbsent(visible, v -> CpuinfoView.render(h.cpuinfo(), v));
            case CPU_ONLINE:
            case CPU_POSSIBLE:
            case CPU_PRESENT:
                return CpuOnlineView.render(visible.size());
            default:
                break;
        }
        CpuSnapshot cpu = source.cpu(c, lim);
        switch (file) {
            case STAT:
                return StatView.render(host(STAT), cpu, visible.size(), elapsed(c, lim));
            case UPTIME:
                return UptimeView.render(elapsed(c, lim), visible.size(), cpu.usageNanos());
            default:
                throw new IllegalArgumentException("viewfs: no such file " + file);
        }
    }

    /**
     * sysinfo(2) for container {@code c}: the figures of its meminfo, uptime and loadavg views, shared by its
     * callers for {@link #RENDER_MAX_AGE_NANOS} as its files' renderings are (and dropped with them).
     */
    public SysinfoView sysinfo(ContainerCgroup c) {
        long now = nanoTime.getAsLong();
        SysinfoAt s = sysinfos.get(c.id());
        if (s != null && now - s.at() < RENDER_MAX_AGE_NANOS) {
            return s.view();
        }
        Limits lim = limits.get(c);
        LoadTracker.Load l = load.load(c);
        SysinfoView v = SysinfoView.of(host(MEMINFO), source.memory(c, lim), elapsed(c, lim), l.avenrun(), l.total());
        sysinfos.put(c.id(), new SysinfoAt(v, now));
        return v;
    }

    /** How many CPUs container {@code c} is shown (its online list's count). */
    public int visibleCpuCount(ContainerCgroup c) {
        Limits lim = limits.get(c);
        return new CpuSnapshot(lim.quotaMicros(), lim.periodMicros(), lim.cpuset(), 0, 0, 0)
                .visibleCpus(hostCpus().online()).size();
    }

    private HostCpus hostCpus() {
        HostCpus h = hostCpus;
        long now = nanoTime.getAsLong();
        if (h == null || now - h.readAt() >= HOST_CPU_MAX_AGE_NANOS) {
            h = new HostCpus(host(CPUINFO), CpuList.parse(host(CPU_ONLINE)), now, new ConcurrentHashMap<>());
            hostCpus = h;
        }
        return h;
    }

    /** The container's lifetime, never more than the host's uptime (nor less than zero: clocks step). */
    private long elapsed(ContainerCgroup c, Limits lim) {
        long hostUptime = UptimeView.hostUptimeNanos(host(UPTIME));
        long created = lim.createdEpochNanos();
        if (created < 0) {
            return hostUptime;
        }
        return Math.max(0, Math.min(hostUptime, epochNanos.getAsLong() - created));
    }

    private String host(String file) {
        Path p = file.startsWith("/proc/") ? proc.root().resolve(file.substring(6)) : sys.resolve(file.substring(5));
        String s = proc.read(p);
        if (s == null) {
            throw new IllegalStateException("viewfs: cannot read host file " + p);
        }
        return s;
    }
}
