package dev.berth.cgroups.v1;

import dev.berth.cgroups.CgroupFiles;
import dev.berth.cgroups.CgroupStats;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * Builds {@link CgroupStats} from a container's v1 cgroup directories, whoever placed them there
 * (the cgroupfs driver now, the systemd driver later).
 */
public final class CgroupV1Stats {
    private CgroupV1Stats() {
    }

    /** @param dirs controller name to the container's directory in that hierarchy; missing controllers give UNAVAILABLE */
    public static CgroupStats read(Map<String, Path> dirs) {
        Instant now = Instant.now();
        long cpu = CgroupFiles.UNAVAILABLE, user = CgroupFiles.UNAVAILABLE, sys = CgroupFiles.UNAVAILABLE;
        Path cpuacct = dirs.get("cpuacct");
        if (cpuacct != null) {
            CpuacctControllerV1 c = new CpuacctControllerV1(cpuacct);
            cpu = c.usageNanos();
            user = c.userNanos();
            sys = c.systemNanos();
        }
        long usage = CgroupFiles.UNAVAILABLE, limit = CgroupFiles.UNAVAILABLE, ws = CgroupFiles.UNAVAILABLE;
        long cache = CgroupFiles.UNAVAILABLE, swap = CgroupFiles.UNAVAILABLE, oom = CgroupFiles.UNAVAILABLE;
        Path memory = dirs.get("memory");
        if (memory != null) {
            MemoryControllerV1 m = new MemoryControllerV1(memory);
            usage = m.usage();
            limit = m.limit();
            Map<String, String> stat = m.stat();
            // total_* include descendants, which is what usage_in_bytes counts too
            long inactiveFile = CgroupFiles.keyedOr(stat, "total_inactive_file", CgroupFiles.keyedOr(stat, "inactive_file", 0));
            ws = CgroupStats.workingSet(usage, inactiveFile);
            cache = CgroupFiles.keyedOr(stat, "total_cache", CgroupFiles.keyedOr(stat, "cache", CgroupFiles.UNAVAILABLE));
            if (m.swapAccounting()) {
                long memsw = m.memswUsage();
                swap = memsw >= 0 && usage >= 0 ? Math.max(0, memsw - usage) : CgroupFiles.UNAVAILABLE;
            } else {
                swap = CgroupFiles.keyedOr(stat, "total_swap", CgroupFiles.UNAVAILABLE);
            }
            oom = m.oomKillCount();
        }
        long pids = CgroupFiles.UNAVAILABLE, pidsMax = CgroupFiles.UNAVAILABLE;
        Path pidsDir = dirs.get("pids");
        if (pidsDir != null) {
            PidsControllerV1 p = new PidsControllerV1(pidsDir);
            pids = p.current();
            pidsMax = p.max();
        }
        return new CgroupStats(now, cpu, user, sys, usage, limit, ws, cache, swap, pids, pidsMax, oom);
    }
}
