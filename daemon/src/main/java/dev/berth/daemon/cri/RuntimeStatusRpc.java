package dev.berth.daemon.cri;

import dev.berth.cri.v1.RuntimeCondition;
import dev.berth.cri.v1.RuntimeFeatures;
import dev.berth.cri.v1.RuntimeStatus;
import dev.berth.cri.v1.StatusRequest;
import dev.berth.cri.v1.StatusResponse;
import dev.berth.daemon.network.NetworkReadiness;
import java.util.function.Supplier;

/**
 * RuntimeService.Status: the runtime is ready when berthd serves; the network when CNI has a config. The features
 * are those of the CRI implementation, whatever the runtime handler.
 */
final class RuntimeStatusRpc {
    // The condition types kubelet checks (k8s.io/cri-api runtime.v1 constants).
    static final String RUNTIME_READY = "RuntimeReady";
    static final String NETWORK_READY = "NetworkReady";

    private final Supplier<NetworkReadiness> network;

    RuntimeStatusRpc(Supplier<NetworkReadiness> network) {
        this.network = network;
    }

    StatusResponse call(StatusRequest request) {
        NetworkReadiness n = network.get();
        return StatusResponse.newBuilder()
                .setStatus(RuntimeStatus.newBuilder()
                        .addConditions(RuntimeCondition.newBuilder().setType(RUNTIME_READY).setStatus(true))
                        .addConditions(RuntimeCondition.newBuilder().setType(NETWORK_READY).setStatus(n.ready())
                                .setReason(n.reason()).setMessage(n.message())))
                // Both policies are applied (CriSecurity) and ContainerStatus reports the user.
                .setFeatures(RuntimeFeatures.newBuilder().setSupplementalGroupsPolicy(true))
                .build();
    }
}
