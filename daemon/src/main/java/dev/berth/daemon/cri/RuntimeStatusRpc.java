package dev.berth.daemon.cri;

import dev.berth.cri.v1.RuntimeCondition;
import dev.berth.cri.v1.RuntimeFeatures;
import dev.berth.cri.v1.RuntimeHandler;
import dev.berth.cri.v1.RuntimeHandlerFeatures;
import dev.berth.cri.v1.RuntimeStatus;
import dev.berth.cri.v1.StatusRequest;
import dev.berth.cri.v1.StatusResponse;
import dev.berth.daemon.network.NetworkReadiness;
import dev.berth.daemon.runtime.OciRuntime;
import dev.berth.daemon.runtime.RuntimeHandlers;
import java.util.function.Supplier;

/**
 * RuntimeService.Status: the runtime is ready when berthd serves; the network when CNI has a config. Each
 * runtime handler with its features, the default one also under the empty name (as the CRI asks), so
 * kubelet knows where it may ask for recursively read-only mounts. The runtime features are those of the
 * CRI implementation, whatever the handler.
 */
final class RuntimeStatusRpc {
    // The condition types kubelet checks (k8s.io/cri-api runtime.v1 constants).
    static final String RUNTIME_READY = "RuntimeReady";
    static final String NETWORK_READY = "NetworkReady";

    private final Supplier<NetworkReadiness> network;
    private final RuntimeHandlers handlers;

    RuntimeStatusRpc(Supplier<NetworkReadiness> network, RuntimeHandlers handlers) {
        this.network = network;
        this.handlers = handlers;
    }

    StatusResponse call(StatusRequest request) {
        NetworkReadiness n = network.get();
        StatusResponse.Builder response = StatusResponse.newBuilder()
                .setStatus(RuntimeStatus.newBuilder()
                        .addConditions(RuntimeCondition.newBuilder().setType(RUNTIME_READY).setStatus(true))
                        .addConditions(RuntimeCondition.newBuilder().setType(NETWORK_READY).setStatus(n.ready())
                                .setReason(n.reason()).setMessage(n.message())))
                // Both policies are applied (CriSecurity) and ContainerStatus reports the user.
                .setFeatures(RuntimeFeatures.newBuilder().setSupplementalGroupsPolicy(true));
        response.addRuntimeHandlers(handler("", handlers.defaultRuntime()));
        for (String name : handlers.names()) {
            response.addRuntimeHandlers(handler(name, handlers.get(name)));
        }
        return response.build();
    }

    private static RuntimeHandler handler(String name, OciRuntime runtime) {
        return RuntimeHandler.newBuilder().setName(name).setFeatures(RuntimeHandlerFeatures.newBuilder()
                .setRecursiveReadOnlyMounts(runtime.recursiveReadOnly())).build();
    }
}
