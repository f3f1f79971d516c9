package dev.berth.cgroups.v2;

import dev.berth.cgroups.CgroupFiles;
import dev.berth.cgroups.CgroupStats;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/** Builds {@link CgroupStats} from a container's cgroup2 directory, for any driver. */
public final class CgroupV2Stats {
    private CgroupV2Stats() {
    }

    public static CgroupStats read(Path dir) {
        Instant now = Instant.now();
        Map<String, String> cpu = new CpuControllerV2(dir).stat();
        MemoryControllerV2 m = new MemoryControllerV2(dir);
        long usage = m.current();
        Map<String, String> stat = m.stat();
        long ws = CgroupStats.workingSet(usage, CgroupFiles.keyedOr(stat, "inactive_file", 0));
        PidsControllerV2 p = new PidsControllerV2(dir);
        return new CgroupStats(now, micros(cpu, "usage_usec"), micros(cpu, "user_usec"), micros(cpu, "system_usec"),
                usage, m.max(), ws, CgroupFiles.keyedOr(stat, "file", CgroupFiles.UNAVAILABLE), m.swapCurrent(),
                p.current(), p.max(), m.oomKillCount());
    }

    private static long micros(Map<String, String> stat, String key) {
        long v = CgroupFiles.keyedOr(stat, key, CgroupFiles.UNAVAILABLE);
        return v >= 0 ? v * 1000 : v;
    }
}
