package dev.berth.viewfs.caller;

import java.util.Map;

/**
 * A container's cgroup: {@code id} is its path in the primary hierarchy (v1 memory, else cpu; the
 * unified hierarchy on v2), e.g. "/berth/3f2a", and keys every per-container cache; {@code paths}
 * gives its path per v1 controller ("" for the unified hierarchy), since v1 hierarchies may place a
 * process differently.
 */
public record ContainerCgroup(String id, Map<String, String> paths) {
    public ContainerCgroup {
        paths = Map.copyOf(paths);
    }

    /** The path in {@code controller}'s hierarchy, or {@code id} when the process did not list it. */
    public String path(String controller) {
        return paths.getOrDefault(controller, id);
    }
}
