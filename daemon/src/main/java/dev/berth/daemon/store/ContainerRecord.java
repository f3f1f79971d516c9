package dev.berth.daemon.store;

import dev.berth.daemon.api.model.ContainerCreate;
import java.time.Instant;

/**
 * The immutable half of a container, persisted once in container.json (updated only by `update`).
 * {@code resourceViews}: whether berth-viewfs's views are bound into it (at create, or added once the server
 * served); null for containers created before Berth recorded that. {@code syscallViews}: whether its seccomp
 * profile sends sysinfo and sched_getaffinity to berth-viewfs (decided when its bundle is written: only with
 * the default profile and while the server's listener accepts); null for containers created before that.
 */
public record ContainerRecord(
        String id,
        String name,
        String image,
        String imageId,
        Instant createdAt,
        String cgroupsPath,
        ContainerCreate config,
        Boolean resourceViews,
        Boolean syscallViews) {

    public ContainerRecord withConfig(ContainerCreate newConfig) {
        return new ContainerRecord(id, name, image, imageId, createdAt, cgroupsPath, newConfig, resourceViews, syscallViews);
    }

    /** The same container under another name (its config's name too, which is what it was created as). */
    public ContainerRecord withName(String newName) {
        return new ContainerRecord(id, newName, image, imageId, createdAt, cgroupsPath, config.withName(newName),
                resourceViews, syscallViews);
    }

    public ContainerRecord withResourceViews(boolean views) {
        return new ContainerRecord(id, name, image, imageId, createdAt, cgroupsPath, config, views, syscallViews);
    }

    public ContainerRecord withSyscallViews(boolean views) {
        return new ContainerRecord(id, name, image, imageId, createdAt, cgroupsPath, config, resourceViews, views);
    }
}
