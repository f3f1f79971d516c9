package dev.berth.cgroups;

import dev.berth.oci.BerthException;

/**
 * A live resource update; every null field is left unchanged. Values follow the OCI runtime spec
 * ({@code linux.resources}) so the same numbers go into config.json and into an update:
 * <ul>
 * <li>{@code memoryLimit}: bytes, -1 unlimited.</li>
 * <li>{@code memorySwap}: memory PLUS swap in bytes (v1 memsw semantics), -1 unlimited; on v2 it
 *     is converted to memory.swap.max = memorySwap - memoryLimit as runc does.</li>
 * <li>{@code cpuShares}: v1 relative weight 2..262144 (1024 = one default share); on v2 it is
 *     converted with {@link #sharesToWeight(long)}.</li>
 * <li>{@code cpuQuota}/{@code cpuPeriod}: CFS microseconds per period, quota -1 unlimited,
 *     period 1000..1000000.</li>
 * <li>{@code cpusetCpus}/{@code cpusetMems}: list strings like "0-1,3".</li>
 * <li>{@code pidsLimit}: zero or negative means unlimited ("max"), as in the OCI spec.</li>
 * <li>{@code blkioWeight}: the OCI {@code blockIO.weight}, 10..1000; on v2 it is converted with
 *     {@link #blkioWeightToIoWeight(long)} for io.weight (BFQ's files take it unchanged). Both drivers apply
 *     it live: systemd's as BlockIOWeight (v1) / IOWeight (v2), then, as runc does, the cgroup files.</li>
 * </ul>
 */
public record Resources(Long memoryLimit, Long memorySwap, Long cpuShares, Long cpuQuota, Long cpuPeriod,
                        String cpusetCpus, String cpusetMems, Long pidsLimit, Long blkioWeight) {
    public static final long DEFAULT_CPU_PERIOD = 100_000L;
    public static final long MIN_SHARES = 2, MAX_SHARES = 262_144;
    public static final long MIN_WEIGHT = 1, MAX_WEIGHT = 10_000;
    public static final long MIN_BLKIO_WEIGHT = 10, MAX_BLKIO_WEIGHT = 1000;
    /** The kernel refuses a CFS quota above 2^44-1 us (max_cfs_runtime) with a bare EINVAL. */
    public static final long MAX_CPU_QUOTA = (1L << 44) - 1;

    /** Without a block I/O weight: what most updates carry. */
    public Resources(Long memoryLimit, Long memorySwap, Long cpuShares, Long cpuQuota, Long cpuPeriod,
                     String cpusetCpus, String cpusetMems, Long pidsLimit) {
        this(memoryLimit, memorySwap, cpuShares, cpuQuota, cpuPeriod, cpusetCpus, cpusetMems, pidsLimit, null);
    }

    public Resources {
        if (memoryLimit != null && memoryLimit != -1 && memoryLimit <= 0) {
            throw BerthException.invalid("resources: memory limit must be positive or -1, got " + memoryLimit);
        }
        if (memorySwap != null && memorySwap != -1) {
            if (memorySwap <= 0) {
                throw BerthException.invalid("resources: memory+swap limit must be positive or -1, got " + memorySwap);
            }
            if (memoryLimit != null && memoryLimit != -1 && memorySwap < memoryLimit) {
                throw BerthException.invalid("resources: memory+swap limit " + memorySwap
                        + " is below the memory limit " + memoryLimit);
            }
        }
        if (cpuShares != null && (cpuShares < MIN_SHARES || cpuShares > MAX_SHARES)) {
            throw BerthException.invalid("resources: cpu shares must be in 2..262144, got " + cpuShares);
        }
        if (cpuQuota != null && cpuQuota != -1 && (cpuQuota < 1000 || cpuQuota > MAX_CPU_QUOTA)) {
            throw BerthException.invalid("resources: cpu quota must be in 1000.." + MAX_CPU_QUOTA
                    + " us or -1, got " + cpuQuota);
        }
        if (cpuPeriod != null && (cpuPeriod < 1000 || cpuPeriod > 1_000_000)) {
            throw BerthException.invalid("resources: cpu period must be in 1000..1000000 us, got " + cpuPeriod);
        }
        if (cpusetCpus != null && !cpusetCpus.matches("[0-9,\\- ]*")) {
            throw BerthException.invalid("resources: bad cpuset cpus '" + cpusetCpus + "'");
        }
        if (cpusetMems != null && !cpusetMems.matches("[0-9,\\- ]*")) {
            throw BerthException.invalid("resources: bad cpuset mems '" + cpusetMems + "'");
        }
        if (blkioWeight != null && (blkioWeight < MIN_BLKIO_WEIGHT || blkioWeight > MAX_BLKIO_WEIGHT)) {
            throw BerthException.invalid("resources: blkio weight must be in 10..1000, got " + blkioWeight);
        }
    }

    public static Resources none() {
        return new Resources(null, null, null, null, null, null, null, null);
    }

    /** {@code cpus} CPUs of time per period: quota = round(cpus * 100000), period = 100000 (docker --cpus). */
    public static Resources ofCpus(double cpus) {
        if (!(cpus > 0) || Double.isInfinite(cpus)) {
            throw BerthException.invalid("resources: cpus must be positive, got " + cpus);
        }
        long quota = Math.round(cpus * DEFAULT_CPU_PERIOD);
        return new Resources(null, null, null, Math.max(quota, 1000L), DEFAULT_CPU_PERIOD, null, null, null);
    }

    public static Resources ofMemory(long limit) {
        return new Resources(limit, null, null, null, null, null, null, null);
    }

    /** {@code memoryPlusSwap} is the OCI/v1 total, not the swap alone. */
    public static Resources ofMemory(long limit, long memoryPlusSwap) {
        return new Resources(limit, memoryPlusSwap, null, null, null, null, null, null);
    }

    public static Resources ofShares(long shares) {
        return new Resources(null, null, shares, null, null, null, null, null);
    }

    public static Resources ofPids(long limit) {
        return new Resources(null, null, null, null, null, null, null, limit);
    }

    public static Resources ofCpuset(String cpus, String mems) {
        return new Resources(null, null, null, null, null, cpus, mems, null);
    }

    public static Resources ofBlkioWeight(long weight) {
        return new Resources(null, null, null, null, null, null, null, null, weight);
    }

    /** This update with {@code other}'s non-null fields laid over it. */
    public Resources and(Resources other) {
        return new Resources(pick(other.memoryLimit, memoryLimit), pick(other.memorySwap, memorySwap),
                pick(other.cpuShares, cpuShares), pick(other.cpuQuota, cpuQuota), pick(other.cpuPeriod, cpuPeriod),
                pick(other.cpusetCpus, cpusetCpus), pick(other.cpusetMems, cpusetMems), pick(other.pidsLimit, pidsLimit),
                pick(other.blkioWeight, blkioWeight));
    }

    private static <T> T pick(T a, T b) {
        return a != null ? a : b;
    }

    /**
     * v1 cpu.shares to v2 cpu.weight, the linear map runc 1.1 uses (ConvertCPUSharesToCgroupV2Value)
     * and kubernetes mirrors: [2, 262144] onto [1, 10000],
     * {@code weight = 1 + ((shares - 2) * 9999) / 262142} (integer division). 1024 shares gives 39.
     */
    public static long sharesToWeight(long shares) {
        long s = Math.max(MIN_SHARES, Math.min(MAX_SHARES, shares));
        return 1 + ((s - 2) * 9999) / 262142;
    }

    /**
     * The inverse kubernetes uses to report v2 weight as shares:
     * {@code shares = 2 + ((weight - 1) * 262142) / 9999}. Not an exact round trip: with the
     * integer divisions weight → shares → weight can come back 1 lower.
     */
    public static long weightToShares(long weight) {
        long w = Math.max(MIN_WEIGHT, Math.min(MAX_WEIGHT, weight));
        return 2 + ((w - 1) * 262142) / 9999;
    }

    /**
     * v1 blkio weight to v2 io.weight, runc 1.1's ConvertBlkIOToIOWeightValue: [10, 1000] onto
     * [1, 10000], {@code weight = 1 + (blkio - 10) * 9999 / 990}. The v1 default 500 gives 4950.
     */
    public static long blkioWeightToIoWeight(long blkioWeight) {
        long w = Math.max(MIN_BLKIO_WEIGHT, Math.min(MAX_BLKIO_WEIGHT, blkioWeight));
        return 1 + (w - MIN_BLKIO_WEIGHT) * 9999 / 990;
    }

    /**
     * memory.swap.max for v2 from OCI memory/memorySwap, as runc's ConvertMemorySwapToCgroupV2Value:
     * null when swap is not to be written, -1 for "max", else memorySwap - memory.
     */
    public static Long swapMaxForV2(Long memory, Long memorySwap) {
        if (memorySwap == null) {
            // memory set to unlimited with swap untouched means both unlimited (v1 compatibility)
            return memory != null && memory == -1 ? -1L : null;
        }
        if (memorySwap == -1) {
            return -1L;
        }
        if (memory == null || memory == -1) {
            throw BerthException.invalid("resources: cannot set a swap limit without a memory limit");
        }
        return memorySwap - memory;
    }
}
