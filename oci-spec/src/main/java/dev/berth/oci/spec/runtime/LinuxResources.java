package dev.berth.oci.spec.runtime;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.berth.oci.BerthException;
import java.util.List;
import java.util.Map;

/** {@code linux.resources}: the cgroup settings runc applies (and {@code runc update} changes). */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public record LinuxResources(
        List<DeviceRule> devices,
        Memory memory,
        Cpu cpu,
        Pids pids,
        BlockIO blockIO,
        List<HugepageLimit> hugepageLimits,
        Map<String, String> unified) {

    /** A device cgroup rule; null type/major/minor mean "all" ({@code a *:* }). */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record DeviceRule(boolean allow, String type, Long major, Long minor, String access) {
    }

    /** Bytes; swap is memory+swap as in cgroup v1's memsw. kernel is deprecated and ignored by most kernels. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Memory(Long limit, Long reservation, Long swap, Long kernel, Long swappiness,
                         Boolean disableOOMKiller) {
        public static Memory ofLimit(long bytes) {
            return new Memory(bytes, null, null, null, null, null);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Cpu(Long shares, Long quota, Long period, Long realtimeRuntime, Long realtimePeriod,
                      String cpus, String mems) {

        /** The CFS period Berth uses, as Docker does. */
        public static final long PERIOD_US = 100_000;

        /** A quota of {@code cpus} CPUs (1.5 → quota 150000 per period 100000). */
        public static Cpu ofCpus(double cpus) {
            if (!(cpus > 0) || Double.isInfinite(cpus)) {
                throw BerthException.invalid("set cpus: " + cpus + " is not a positive number of CPUs");
            }
            long quota = Math.round(cpus * PERIOD_US);
            // The kernel rejects quotas below 1 ms.
            if (quota < 1000) {
                throw BerthException.invalid("set cpus: " + cpus + " is below the minimum of 0.01 CPUs");
            }
            return new Cpu(null, quota, PERIOD_US, null, null, null, null);
        }

        public Cpu withShares(Long v) { return new Cpu(v, quota, period, realtimeRuntime, realtimePeriod, cpus, mems); }
        public Cpu withCpus(String v) { return new Cpu(shares, quota, period, realtimeRuntime, realtimePeriod, v, mems); }
        public Cpu withMems(String v) { return new Cpu(shares, quota, period, realtimeRuntime, realtimePeriod, cpus, v); }
    }

    /** limit ≤ 0 means unlimited to runc. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Pids(long limit) {
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record BlockIO(Integer weight) {
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record HugepageLimit(String pageSize, long limit) {
    }

    public static LinuxResources empty() {
        return new LinuxResources(null, null, null, null, null, null, null);
    }

    public LinuxResources withDevices(List<DeviceRule> v) { return new LinuxResources(v, memory, cpu, pids, blockIO, hugepageLimits, unified); }
    public LinuxResources withMemory(Memory v) { return new LinuxResources(devices, v, cpu, pids, blockIO, hugepageLimits, unified); }
    public LinuxResources withCpu(Cpu v) { return new LinuxResources(devices, memory, v, pids, blockIO, hugepageLimits, unified); }
    public LinuxResources withPids(Pids v) { return new LinuxResources(devices, memory, cpu, v, blockIO, hugepageLimits, unified); }
    public LinuxResources withBlockIO(BlockIO v) { return new LinuxResources(devices, memory, cpu, pids, v, hugepageLimits, unified); }
    public LinuxResources withHugepageLimits(List<HugepageLimit> v) { return new LinuxResources(devices, memory, cpu, pids, blockIO, v, unified); }
    public LinuxResources withUnified(Map<String, String> v) { return new LinuxResources(devices, memory, cpu, pids, blockIO, hugepageLimits, v); }
}
