package dev.berth.daemon.api.model;

import java.util.List;
import java.util.Map;

/** Body of POST /v1/containers (docs/api.md); only image is required. */
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
        boolean autoRemove,
        Map<String, String> labels,
        String network,
        Boolean resourceViews) {

    public record Volume(String source, String destination, boolean readOnly) {
    }

    public ContainerCreate withResources(Long newMemory, Double newCpus, Long newPidsLimit) {
        return new ContainerCreate(name, image, entrypoint, cmd, env, volumes, workingDir, user, tty, stdin,
                newMemory != null ? newMemory : memory, newCpus != null ? newCpus : cpus,
                newPidsLimit != null ? newPidsLimit : pidsLimit, autoRemove, labels, network, resourceViews);
    }
}
