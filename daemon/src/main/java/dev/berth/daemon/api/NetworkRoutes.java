package dev.berth.daemon.api;

import dev.berth.daemon.network.ContainerNetworks;
import dev.berth.oci.BerthException;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Map;

/** /v1/networks: the REST edge of {@link ContainerNetworks}. */
public final class NetworkRoutes {
    private static final String ONE = "/v1/networks/([^/]+)";

    /** The body of POST /v1/networks; subnet null: a free one is picked. */
    private record NetworkCreate(String name, String subnet, boolean internal) {
    }

    private final ContainerNetworks networks;

    public NetworkRoutes(ContainerNetworks networks) {
        this.networks = networks;
    }

    public void register(ApiHandler.Routes routes) {
        routes.add("GET", "/v1/networks", (ex, m) -> ex.json(HttpResponseStatus.OK, networks.list()))
                .add("POST", "/v1/networks", (ex, m) -> {
                    NetworkCreate body = ex.body(NetworkCreate.class);
                    if (body.name() == null) {
                        throw BerthException.invalid("create network: name is required");
                    }
                    ex.json(HttpResponseStatus.CREATED, networks.create(body.name(), body.subnet(), body.internal()));
                })
                .add("POST", "/v1/networks/prune", (ex, m) -> ex.json(HttpResponseStatus.OK,
                        Map.of("removed", networks.prune())))
                .add("GET", ONE, (ex, m) -> ex.json(HttpResponseStatus.OK, networks.inspect(m.group(1))))
                .add("DELETE", ONE, (ex, m) -> {
                    networks.remove(m.group(1));
                    ex.noContent();
                });
    }
}
