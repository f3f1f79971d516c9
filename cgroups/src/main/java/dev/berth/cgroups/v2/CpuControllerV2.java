package dev.berth.cgroups.v2;

import dev.berth.cgroups.CgroupFiles;
import dev.berth.cgroups.Resources;

import java.nio.file.Path;
import java.util.Map;

/** v2 cpu controller: cpu.stat, cpu.max ("$QUOTA $PERIOD", quota may be "max"), cpu.weight. */
public final class CpuControllerV2 {
    private final Path dir;

    public CpuControllerV2(Path dir) {
        this.dir = dir;
    }

    /** usage_usec, user_usec, system_usec (always present), nr_throttled... (with the cpu controller). */
    public Map<String, String> stat() {
        return CgroupFiles.readKeyedAll(dir.resolve("cpu.stat"));
    }

    /** {quota, period}: quota -1 for "max"; both UNAVAILABLE without cpu.max. */
    public long[] max() {
        String s = CgroupFiles.readString(dir.resolve("cpu.max"));
        if (s == null || s.isEmpty()) {
            return new long[] {CgroupFiles.UNAVAILABLE, CgroupFiles.UNAVAILABLE};
        }
        String[] f = s.split("\\s+");
        long quota = "max".equals(f[0]) ? CgroupFiles.UNLIMITED : Long.parseLong(f[0]);
        long period = f.length > 1 ? Long.parseLong(f[1]) : Resources.DEFAULT_CPU_PERIOD;
        return new long[] {quota, period};
    }

    public long weight() {
        return CgroupFiles.readLong(dir.resolve("cpu.weight"));
    }

    public void setWeight(long weight) {
        CgroupFiles.write(dir.resolve("cpu.weight"), Long.toString(weight));
    }

    /**
     * Writes cpu.max keeping the current value of whichever of quota/period is null (runc 1.1
     * would reset the quota to "max" when only the period changes).
     */
    public void setMax(Long quota, Long period) {
        if (quota == null && period == null) {
            return;
        }
        long[] cur = max();
        long q = quota != null ? quota : cur[0] == CgroupFiles.UNAVAILABLE ? CgroupFiles.UNLIMITED : cur[0];
        long p = period != null ? period : cur[1] > 0 ? cur[1] : Resources.DEFAULT_CPU_PERIOD;
        CgroupFiles.write(dir.resolve("cpu.max"), CgroupFiles.limitValue(q) + " " + p);
    }
}
