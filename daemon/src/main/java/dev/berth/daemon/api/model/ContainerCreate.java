package dev.berth.daemon.api.model;

import dev.berth.oci.bundle.SecurityOptions;
import dev.berth.oci.bundle.SpecBuilder;
import java.util.List;
import java.util.Map;

/**
 * A container's configuration: the body of POST /v1/containers (docs/api.md; only image is required) and
 * what a CRI CreateContainer maps onto. The fields after resourceViews are set by the CRI only.
 *
 * @param blkioWeight the OCI {@code linux.resources.blockIO.weight}, 10..1000 (null: the kernel's default)
 * @param podId   the pod sandbox the container belongs to (null outside pods)
 * @param logPath where the shim writes the CRI log (null: the container's own directory)
 * @param linux   namespaces, security context, mounts and devices beyond the plain options
 * @param runtimeHandler the OCI runtime by CRI handler name (null: berthd's default runtime)
 * @param restartPolicy  docker's {@code no}, {@code always}, {@code unless-stopped}, {@code on-failure[:N]} (null: no)
 * @param init           run the command under berthd's init (a static tini: reaps orphans, passes signals on)
 */
public record ContainerCreate(
        String name,
        String image,
        List<String> entrypoint,
        List<String> cmd,
        List<String> env,
        List<Volume> volumes,
        String workingDir,
        String user,
        boolean tty,
        boolean stdin,
        Long memory,
        Double cpus,
        Long pidsLimit,
        Long blkioWeight,
        boolean autoRemove,
        Map<String, String> labels,
        String network,
        Boolean resourceViews,
        String podId,
        Map<String, String> annotations,
        String logPath,
        LinuxOptions linux,
        String runtimeHandler,
        String restartPolicy,
        Boolean init) {

    /**
     * {@code source}: an absolute host path (bound as it is), a volume's name (made on first use, with the
     * image's content at {@code destination} copied in), or empty for an anonymous volume of the container's.
     */
    public record Volume(String source, String destination, boolean readOnly) {
        public boolean isHostPath() {
            return source != null && source.startsWith("/");
        }
    }

    /**
     * @param joinNamespaces namespace type (network, ipc, uts, pid) to the path of one to join
     * @param hostNamespaces namespace types shared with the host
     * @param hostname       set only where the container has its own UTS namespace
     */
    public record LinuxOptions(
            Map<String, String> joinNamespaces,
            List<String> hostNamespaces,
            String hostname,
            Map<String, String> sysctls,
            SecurityOptions security,
            List<Mount> mounts,
            List<Device> devices,
            String cgroupParent,
            Long cpuShares,
            Long cpuQuota,
            Long cpuPeriod,
            String cpusetCpus,
            String cpusetMems,
            Integer oomScoreAdj) {

        public LinuxOptions withCpu(Long shares, Long quota, Long period, String cpus, String mems) {
            return new LinuxOptions(joinNamespaces, hostNamespaces, hostname, sysctls, security, mounts, devices,
                    cgroupParent, shares, quota, period, cpus, mems, oomScoreAdj);
        }
    }

    /**
     * A bind mount of a host path, or, with {@code image} set, a read-only view of that image's files.
     * {@code recursiveReadOnly} (with readOnly and private propagation) makes the mounts below the host path
     * read-only too; readOnly alone leaves them as they are, as the CRI's readonly does with containerd.
     */
    public record Mount(String hostPath, String containerPath, boolean readOnly,
                        SpecBuilder.Propagation propagation, String image, boolean recursiveReadOnly) {
    }

    public record Device(String hostPath, String containerPath, String permissions) {
    }

    public ContainerCreate withResources(Long newMemory, Double newCpus, Long newPidsLimit, Long newBlkioWeight) {
        return new ContainerCreate(name, image, entrypoint, cmd, env, volumes, workingDir, user, tty, stdin,
                newMemory != null ? newMemory : memory, newCpus != null ? newCpus : cpus,
                newPidsLimit != null ? newPidsLimit : pidsLimit, newBlkioWeight != null ? newBlkioWeight : blkioWeight,
                autoRemove, labels, network, resourceViews,
                podId, annotations, logPath, linux, runtimeHandler, restartPolicy, init);
    }

    public ContainerCreate withName(String newName) {
        return new ContainerCreate(newName, image, entrypoint, cmd, env, volumes, workingDir, user, tty, stdin,
                memory, cpus, pidsLimit, blkioWeight, autoRemove, labels, network, resourceViews, podId, annotations,
                logPath, linux, runtimeHandler, restartPolicy, init);
    }

    public ContainerCreate withNetwork(String newNetwork) {
        return new ContainerCreate(name, image, entrypoint, cmd, env, volumes, workingDir, user, tty, stdin,
                memory, cpus, pidsLimit, blkioWeight, autoRemove, labels, newNetwork, resourceViews, podId, annotations,
                logPath, linux, runtimeHandler, restartPolicy, init);
    }

    public ContainerCreate withVolumes(List<Volume> newVolumes) {
        return new ContainerCreate(name, image, entrypoint, cmd, env, newVolumes, workingDir, user, tty, stdin,
                memory, cpus, pidsLimit, blkioWeight, autoRemove, labels, network, resourceViews, podId, annotations,
                logPath, linux, runtimeHandler, restartPolicy, init);
    }

    public ContainerCreate withLinux(LinuxOptions newLinux) {
        return new ContainerCreate(name, image, entrypoint, cmd, env, volumes, workingDir, user, tty, stdin,
                memory, cpus, pidsLimit, blkioWeight, autoRemove, labels, network, resourceViews, podId, annotations, logPath,
                newLinux, runtimeHandler, restartPolicy, init);
    }
}
