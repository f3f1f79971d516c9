package dev.berth.viewfs.fuse;

import dev.berth.viewfs.caller.Caller;
import dev.berth.viewfs.caller.ContainerCgroup;
import dev.berth.viewfs.caller.ProcFs;
import dev.berth.viewfs.cgroup.CgroupSource;
import dev.berth.viewfs.cgroup.LoadTracker;
import dev.berth.viewfs.view.CpuList;
import dev.berth.viewfs.view.CpuOnlineView;
import dev.berth.viewfs.view.CpuSnapshot;
import dev.berth.viewfs.view.CpuinfoView;
import dev.berth.viewfs.view.LoadavgView;
import dev.berth.viewfs.view.MeminfoView;
import dev.berth.viewfs.view.StatView;
import dev.berth.viewfs.view.UptimeView;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
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
    public static final String CPU_ONLINE = "/sys/devices/system/cpu/online";
    public static final List<String> FILES = List.of(MEMINFO, CPUINFO, STAT, UPTIME, LOADAVG, CPU_ONLINE);

    private final ProcFs proc;
    private final Path sys;
    private final CgroupSource source;
    private final LoadTracker load;
    private final LongSupplier epochNanos;

    /**
     * @param sys        the host's /sys (tests give a fake one)
     * @param epochNanos wall-clock time, compared with cgroup directory ctimes
     */
    public ViewFiles(ProcFs proc, Path sys, CgroupSource source, LoadTracker load, LongSupplier epochNanos) {
        this.proc = proc;
        this.sys = sys;
        this.source = source;
        this.load = load;
        this.epochNanos = epochNanos;
    }

    /** The content of {@code file} (one of {@link #FILES}) as {@code caller} should see it. */
    public byte[] render(String file, Caller caller) {
        String host = host(file);
        if (caller.isHost()) {
            return host.getBytes(StandardCharsets.UTF_8);
        }
        return container(file, host, caller.container()).getBytes(StandardCharsets.UTF_8);
    }

    private String container(String file, String host, ContainerCgroup c) {
        switch (file) {
            case MEMINFO:
                return MeminfoView.render(host, source.memory(c));
            case LOADAVG:
                LoadTracker.Load l = load.load(c);
                return LoadavgView.render(l.avenrun(), l.running(), l.total(), l.lastPid());
            default:
                break;
        }
        CpuSnapshot cpu = source.cpu(c);
        List<Integer> visible = cpu.visibleCpus(CpuList.parse(host(CPU_ONLINE)));
        switch (file) {
            case CPUINFO:
                return CpuinfoView.render(host, visible);
            case CPU_ONLINE:
                return CpuOnlineView.render(visible.size());
            case STAT:
                return StatView.render(host, cpu, visible.size(), elapsed(c));
            case UPTIME:
                return UptimeView.render(elapsed(c), visible.size(), cpu.usageNanos());
            default:
                throw new IllegalArgumentException("viewfs: no such file " + file);
        }
    }

    /** The container's lifetime, never more than the host's uptime (nor less than zero: clocks step). */
    private long elapsed(ContainerCgroup c) {
        long hostUptime = UptimeView.hostUptimeNanos(host(UPTIME));
        long created = source.createdEpochNanos(c);
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
