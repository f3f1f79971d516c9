package dev.berth.cgroups.v1;

import dev.berth.cgroups.CgroupFiles;
import dev.berth.oci.BerthException;

import java.nio.file.Path;
import java.util.Map;

/** v1 cpu controller: cpu.cfs_quota_us, cpu.cfs_period_us, cpu.shares, cpu.stat (throttling). */
public final class CpuControllerV1 {
    static final String QUOTA = "cpu.cfs_quota_us";
    static final String PERIOD = "cpu.cfs_period_us";
    private final Path dir;

    public CpuControllerV1(Path dir) {
        this.dir = dir;
    }

    /** Microseconds per period, -1 unlimited. */
    public long quota() {
        return CgroupFiles.readLong(dir.resolve(QUOTA));
    }

    public long period() {
        return CgroupFiles.readLong(dir.resolve(PERIOD));
    }

    public long shares() {
        return CgroupFiles.readLong(dir.resolve("cpu.shares"));
    }

    /** nr_periods, nr_throttled, throttled_time. */
    public Map<String, String> stat() {
        return CgroupFiles.readKeyedAll(dir.resolve("cpu.stat"));
    }

    public void setShares(long shares) {
        CgroupFiles.write(dir.resolve("cpu.shares"), Long.toString(shares));
    }

    /**
     * Period first, then quota, as runc: a shorter period can be refused (EINVAL) while the old
     * quota/new period ratio exceeds the parent's bandwidth; then quota goes first and period
     * is retried after it.
     */
    public void setQuotaPeriod(Long quota, Long period) {
        boolean periodPending = false;
        if (period != null) {
            try {
                CgroupFiles.write(dir.resolve(PERIOD), Long.toString(period));
            } catch (BerthException e) {
                if (e.kind() != BerthException.Kind.INVALID_ARGUMENT || quota == null) {
                    throw e;
                }
                periodPending = true;
            }
        }
        if (quota != null) {
            CgroupFiles.write(dir.resolve(QUOTA), Long.toString(quota < 0 ? -1 : quota));
            if (periodPending) {
                CgroupFiles.write(dir.resolve(PERIOD), Long.toString(period));
            }
        }
    }
}
