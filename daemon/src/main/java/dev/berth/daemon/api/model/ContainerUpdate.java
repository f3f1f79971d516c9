package dev.berth.daemon.api.model;

/**
 * Body of POST /v1/containers/{ref}/update; each field optional. The CPU fields after pidsLimit are the
 * CRI's finer controls (UpdateContainerResources); cpus is the CLI's shorthand for a quota. blkioWeight
 * (10..1000) has no CRI counterpart.
 */
public record ContainerUpdate(Long memory, Double cpus, Long pidsLimit, Long cpuShares, Long cpuQuota,
                              Long cpuPeriod, String cpusetCpus, String cpusetMems, Long blkioWeight) {

    public ContainerUpdate(Long memory, Double cpus, Long pidsLimit) {
        this(memory, cpus, pidsLimit, null, null, null, null, null, null);
    }
}
