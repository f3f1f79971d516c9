package dev.berth.daemon.container;

import dev.berth.oci.BerthException;
import java.util.EnumMap;
import java.util.Map;

/**
 * What one API calls the fields {@link InputRules} checks, and the operation a refusal names: the rules are
 * the same for REST and CRI, but a CRI client sent {@code config.command} where a REST client sent
 * {@code entrypoint}, and each must read its own field in the error.
 */
public final class RequestFields {
    /** A value InputRules checks, by what it is rather than by any API's name for it. */
    public enum Field {
        IMAGE, ENTRYPOINT, CMD, ENV, WORKING_DIR, USER, LOG_PATH, LABELS, ANNOTATIONS, MEMORY, CPUS, PIDS_LIMIT,
        BLKIO_WEIGHT, CPU_SHARES, CPU_QUOTA, CPU_PERIOD, CPUSET_CPUS, CPUSET_MEMS, OOM_SCORE_ADJ, MOUNT_HOST_PATH,
        MOUNT_CONTAINER_PATH, HOSTNAME, RUN_AS_USER, RUN_AS_GROUP, MOUNT_RECURSIVE_READ_ONLY, SECCOMP_LOCALHOST,
        CONSOLE_SIZE, LOGS_TAIL
    }

    /** POST /v1/containers: the JSON fields of ContainerCreate, which every create request becomes. */
    public static final RequestFields REST_CREATE = new RequestFields("create container", Map.ofEntries(
            Map.entry(Field.IMAGE, "image"), Map.entry(Field.ENTRYPOINT, "entrypoint"), Map.entry(Field.CMD, "cmd"),
            Map.entry(Field.ENV, "env"), Map.entry(Field.WORKING_DIR, "workingDir"), Map.entry(Field.USER, "user"),
            Map.entry(Field.LOG_PATH, "logPath"), Map.entry(Field.LABELS, "labels"),
            Map.entry(Field.ANNOTATIONS, "annotations"), Map.entry(Field.MEMORY, "memory"),
            Map.entry(Field.CPUS, "cpus"), Map.entry(Field.PIDS_LIMIT, "pidsLimit"),
            Map.entry(Field.BLKIO_WEIGHT, "blkioWeight"), Map.entry(Field.CPU_SHARES, "linux.cpuShares"),
            Map.entry(Field.CPU_QUOTA, "linux.cpuQuota"), Map.entry(Field.CPU_PERIOD, "linux.cpuPeriod"),
            Map.entry(Field.CPUSET_CPUS, "linux.cpusetCpus"), Map.entry(Field.CPUSET_MEMS, "linux.cpusetMems"),
            Map.entry(Field.OOM_SCORE_ADJ, "linux.oomScoreAdj"),
            Map.entry(Field.MOUNT_HOST_PATH, "linux.mounts.hostPath"),
            Map.entry(Field.MOUNT_CONTAINER_PATH, "linux.mounts.containerPath"),
            Map.entry(Field.HOSTNAME, "linux.hostname"), Map.entry(Field.RUN_AS_USER, "linux.security.runAsUser"),
            Map.entry(Field.RUN_AS_GROUP, "linux.security.runAsGroup"),
            Map.entry(Field.MOUNT_RECURSIVE_READ_ONLY, "linux.mounts.recursiveReadOnly"),
            Map.entry(Field.SECCOMP_LOCALHOST, "linux.security.seccompLocalhost"),
            Map.entry(Field.CONSOLE_SIZE, "consoleSize"), Map.entry(Field.LOGS_TAIL, "tail")));

    /** POST /v1/containers/{ref}/update: ContainerUpdate's fields, all at the top level. */
    public static final RequestFields REST_UPDATE = REST_CREATE.renamed("update container", Map.of(
            Field.CPU_SHARES, "cpuShares", Field.CPU_QUOTA, "cpuQuota", Field.CPU_PERIOD, "cpuPeriod",
            Field.CPUSET_CPUS, "cpusetCpus", Field.CPUSET_MEMS, "cpusetMems"));

    /**
     * POST /v1/containers/{ref}/exec (ExecCreate: cmd, env, workingDir, user, consoleSize, as a create names
     * them), and the CRI's exec requests, whose only checked field is cmd, named so there too.
     */
    public static final RequestFields EXEC = REST_CREATE.renamed("exec in container", Map.of());

    /** GET /v1/containers/{ref}/logs: its query parameters. */
    public static final RequestFields REST_LOGS = REST_CREATE.renamed("logs of container", Map.of());

    /**
     * runtime.v1 CreateContainerRequest. cpus, pidsLimit and blkioWeight have no CRI field (berthd never sets
     * them from a CRI request), so they keep their REST names.
     */
    public static final RequestFields CRI_CREATE = REST_CREATE.renamed("CreateContainer", Map.ofEntries(
            Map.entry(Field.IMAGE, "config.image.image"), Map.entry(Field.ENTRYPOINT, "config.command"),
            Map.entry(Field.CMD, "config.args"), Map.entry(Field.ENV, "config.envs"),
            Map.entry(Field.WORKING_DIR, "config.working_dir"),
            Map.entry(Field.USER, "config.linux.security_context.run_as_username"),
            Map.entry(Field.LOG_PATH, "config.log_path"), Map.entry(Field.LABELS, "config.labels"),
            Map.entry(Field.ANNOTATIONS, "config.annotations"),
            Map.entry(Field.MEMORY, "config.linux.resources.memory_limit_in_bytes"),
            Map.entry(Field.CPU_SHARES, "config.linux.resources.cpu_shares"),
            Map.entry(Field.CPU_QUOTA, "config.linux.resources.cpu_quota"),
            Map.entry(Field.CPU_PERIOD, "config.linux.resources.cpu_period"),
            Map.entry(Field.CPUSET_CPUS, "config.linux.resources.cpuset_cpus"),
            Map.entry(Field.CPUSET_MEMS, "config.linux.resources.cpuset_mems"),
            Map.entry(Field.OOM_SCORE_ADJ, "config.linux.resources.oom_score_adj"),
            Map.entry(Field.MOUNT_HOST_PATH, "config.mounts.host_path"),
            Map.entry(Field.MOUNT_CONTAINER_PATH, "config.mounts.container_path"),
            Map.entry(Field.RUN_AS_USER, "config.linux.security_context.run_as_user"),
            Map.entry(Field.RUN_AS_GROUP, "config.linux.security_context.run_as_group"),
            Map.entry(Field.MOUNT_RECURSIVE_READ_ONLY, "config.mounts.recursive_read_only"),
            Map.entry(Field.SECCOMP_LOCALHOST, "config.linux.security_context.seccomp.localhost_ref")));

    /** runtime.v1 UpdateContainerResourcesRequest: its linux is a LinuxContainerResources. */
    public static final RequestFields CRI_UPDATE = REST_CREATE.renamed("UpdateContainerResources", Map.of(
            Field.MEMORY, "linux.memory_limit_in_bytes", Field.CPU_SHARES, "linux.cpu_shares",
            Field.CPU_QUOTA, "linux.cpu_quota", Field.CPU_PERIOD, "linux.cpu_period",
            Field.CPUSET_CPUS, "linux.cpuset_cpus", Field.CPUSET_MEMS, "linux.cpuset_mems"));

    private final String operation;
    private final Map<Field, String> names;

    private RequestFields(String operation, Map<Field, String> names) {
        this.operation = operation;
        this.names = new EnumMap<>(names);
        if (this.names.size() != Field.values().length) {
            throw new IllegalArgumentException(operation + ": every field needs a name");
        }
    }

    private RequestFields renamed(String otherOperation, Map<Field, String> otherNames) {
        Map<Field, String> all = new EnumMap<>(names);
        all.putAll(otherNames);
        return new RequestFields(otherOperation, all);
    }

    /** The same names for a request about one container, whose id the refusals then carry. */
    public RequestFields about(String id) {
        return new RequestFields(operation + " " + id, names);
    }

    public String name(Field field) {
        return names.get(field);
    }

    /** INVALID_ARGUMENT "operation: field problem". */
    BerthException invalid(Field field, String problem) {
        return invalid(name(field) + " " + problem);
    }

    /** INVALID_ARGUMENT "operation: message", for a message that names its field itself. */
    BerthException invalid(String message) {
        return BerthException.invalid(operation + ": " + message);
    }
}
