package dev.berth.cgroups.v1;

import dev.berth.cgroups.CgroupFiles;

import java.nio.file.Path;

/** v1 cpuacct controller: CPU time in nanoseconds. */
public final class CpuacctControllerV1 {
    /** cpuacct.stat counts USER_HZ ticks, which is 100 on every Linux ABI. */
    static final long NANOS_PER_TICK = 1_000_000_000L / 100;
    private final Path dir;

    public CpuacctControllerV1(Path dir) {
        this.dir = dir;
    }

    public long usageNanos() {
        return CgroupFiles.readLong(dir.resolve("cpuacct.usage"));
    }

    /** cpuacct.usage_user (kernel 4.7+), else cpuacct.stat "user" ticks. */
    public long userNanos() {
        return nanos("cpuacct.usage_user", "user");
    }

    /** cpuacct.usage_sys (kernel 4.7+), else cpuacct.stat "system" ticks. */
    public long systemNanos() {
        return nanos("cpuacct.usage_sys", "system");
    }

    private long nanos(String file, String statKey) {
        long v = CgroupFiles.readLong(dir.resolve(file));
        if (v >= 0) {
            return v;
        }
        long ticks = CgroupFiles.readKeyed(dir.resolve("cpuacct.stat"), statKey);
        return ticks >= 0 ? ticks * NANOS_PER_TICK : CgroupFiles.UNAVAILABLE;
    }
}
