package dev.berth.daemon.runtime;

import dev.berth.oci.BerthException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The OCI runtimes a container may run under, by CRI runtime handler name: the default one (berth.toml's
 * {@code runtime}, also reachable by its own name) and those of the {@code [runtimes]} table.
 */
public final class RuntimeHandlers {
    private final OciRuntime defaultRuntime;
    private final Map<String, OciRuntime> byName = new LinkedHashMap<>();

    public RuntimeHandlers(OciRuntime defaultRuntime, Map<String, OciRuntime> named) {
        this.defaultRuntime = defaultRuntime;
        byName.put(defaultRuntime.name(), defaultRuntime);
        byName.putAll(named);
    }

    public static RuntimeHandlers of(OciRuntime only) {
        return new RuntimeHandlers(only, Map.of());
    }

    public OciRuntime defaultRuntime() {
        return defaultRuntime;
    }

    /** The runtime of {@code handler}; null or empty is the default. INVALID_ARGUMENT for an unknown one. */
    public OciRuntime get(String handler) {
        if (handler == null || handler.isEmpty()) {
            return defaultRuntime;
        }
        OciRuntime r = byName.get(handler);
        if (r == null) {
            throw BerthException.invalid("unknown runtime handler \"" + handler + "\" (this berthd has: "
                    + String.join(", ", byName.keySet()) + ")");
        }
        return r;
    }

    public Set<String> names() {
        return byName.keySet();
    }
}
