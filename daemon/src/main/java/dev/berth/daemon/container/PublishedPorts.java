package dev.berth.daemon.container;

import dev.berth.daemon.network.PortMapping;
import java.util.List;

/**
 * The host ports a new container asks for (the create body's {@code ports} and {@code publishAll}):
 * {@code publishAll} adds each port its image EXPOSEs on a free host port, as {@code docker run -P} does.
 */
public record PublishedPorts(List<PortMapping> ports, boolean publishAll) {
    public static final PublishedPorts NONE = new PublishedPorts(List.of(), false);

    public PublishedPorts {
        ports = ports == null ? List.of() : List.copyOf(ports);
    }
}
