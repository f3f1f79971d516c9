package dev.berth.cgroups.systemd;

import dev.berth.cgroups.Resources;
import dev.berth.oci.BerthException;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Translates a {@link Resources} update into the unit properties a given systemd understands, the
 * way runc's systemd drivers do: on the legacy/hybrid layout (systemd drives the v1 controllers)
 * MemoryLimit, CPUShares and BlockIOWeight, on the unified layout MemoryMax, MemorySwapMax, CPUWeight,
 * IOWeight and the cpuset masks; on both CPUQuotaPerSecUSec, CPUQuotaPeriodUSec (systemd 242+) and TasksMax.
 * Null fields give no property. What systemd cannot express or rounds (the quota's 1% steps, the
 * cpuset on v1) is written to the cgroup files afterwards by the driver.
 *
 * @param systemdVersion the major version, as {@link SystemdBus#version()} reports it
 * @param unified        whether systemd runs the unified (v2) hierarchy
 */
public record ResourceProperties(int systemdVersion, boolean unified) {
    /** systemd's first version with CPUQuotaPeriodUSec. */
    static final int QUOTA_PERIOD_SINCE = 242;
    /** systemd's first version with AllowedCPUs and AllowedMemoryNodes (cgroup v2 cpuset only). */
    static final int CPUSET_SINCE = 244;
    /** systemd stores the quota as a per-second time in 10 ms (1%) steps. */
    static final long QUOTA_PER_SEC_STEP = 10_000;
    static final long USEC_PER_SEC = 1_000_000;
    /** The kernel's largest NR_CPUS; bounds the mask's size against typos like "0-4000000000". */
    static final int MAX_CPU_INDEX = 8191;

    public List<UnitProperty> of(Resources r) {
        List<UnitProperty> out = new ArrayList<>();
        if (unified) {
            // before anything is built, so that a bad memory/swap pair changes nothing
            Long swapMax = Resources.swapMaxForV2(r.memoryLimit(), r.memorySwap());
            if (r.memoryLimit() != null) {
                out.add(UnitProperty.uint64("MemoryMax", r.memoryLimit()));
            }
            if (swapMax != null) {
                out.add(UnitProperty.uint64("MemorySwapMax", swapMax));
            }
            if (r.cpuShares() != null) {
                out.add(UnitProperty.uint64("CPUWeight", Resources.sharesToWeight(r.cpuShares())));
            }
            if (r.blkioWeight() != null) {
                out.add(UnitProperty.uint64("IOWeight", Resources.blkioWeightToIoWeight(r.blkioWeight())));
            }
        } else {
            if (r.memoryLimit() != null) {
                out.add(UnitProperty.uint64("MemoryLimit", r.memoryLimit()));
            }
            if (r.cpuShares() != null) {
                out.add(UnitProperty.uint64("CPUShares", r.cpuShares()));
            }
            if (r.blkioWeight() != null) {
                out.add(UnitProperty.uint64("BlockIOWeight", r.blkioWeight()));
            }
        }
        if (r.cpuPeriod() != null && systemdVersion >= QUOTA_PERIOD_SINCE) {
            out.add(UnitProperty.uint64("CPUQuotaPeriodUSec", r.cpuPeriod()));
        }
        if (r.cpuQuota() != null) {
            out.add(UnitProperty.uint64("CPUQuotaPerSecUSec", quotaPerSecond(r.cpuQuota(), r.cpuPeriod())));
        }
        if (unified && systemdVersion >= CPUSET_SINCE) {
            if (r.cpusetCpus() != null) {
                out.add(UnitProperty.bytes("AllowedCPUs", cpuMask(r.cpusetCpus())));
            }
            if (r.cpusetMems() != null) {
                out.add(UnitProperty.bytes("AllowedMemoryNodes", cpuMask(r.cpusetMems())));
            }
        }
        if (r.pidsLimit() != null) {
            out.add(UnitProperty.uint64("TasksMax", r.pidsLimit() > 0 ? r.pidsLimit() : -1));
        }
        return out;
    }

    /**
     * CFS quota per period as CPU time per second, rounded UP to systemd's 1% step so that the
     * quota systemd writes is never below the one asked for; -1 (unlimited) stays -1.
     */
    static long quotaPerSecond(long quota, Long period) {
        if (quota < 0) {
            return -1;
        }
        long p = period != null ? period : Resources.DEFAULT_CPU_PERIOD;
        long perSec = quota * USEC_PER_SEC / p;
        return (perSec + QUOTA_PER_SEC_STEP - 1) / QUOTA_PER_SEC_STEP * QUOTA_PER_SEC_STEP;
    }

    /** A cpuset list ("0-2,5") as systemd's bitmask: byte i holds CPUs 8i..8i+7, lowest bit first. */
    static byte[] cpuMask(String list) {
        BitSet bits = new BitSet();
        for (String part : list.replace(" ", "").split(",")) {
            if (part.isEmpty()) {
                continue;
            }
            String[] range = part.split("-", -1);
            if (range.length > 2 || range[0].isEmpty() || range[range.length - 1].isEmpty()) {
                throw BerthException.invalid("cpuset '" + list + "': bad range '" + part + "'");
            }
            int from = index(list, range[0]);
            int to = index(list, range[range.length - 1]);
            if (to < from) {
                throw BerthException.invalid("cpuset '" + list + "': range '" + part + "' goes down");
            }
            bits.set(from, to + 1);
        }
        byte[] mask = bits.toByteArray();
        return mask.length == 0 ? new byte[] {0} : mask;
    }

    private static int index(String list, String number) {
        try {
            int i = Integer.parseInt(number);
            if (i <= MAX_CPU_INDEX) {
                return i;
            }
        } catch (NumberFormatException e) {
            // falls through to the same refusal as a too large index
        }
        throw BerthException.invalid("cpuset '" + list + "': '" + number + "' is not a CPU or node number up to "
                + MAX_CPU_INDEX);
    }
}
