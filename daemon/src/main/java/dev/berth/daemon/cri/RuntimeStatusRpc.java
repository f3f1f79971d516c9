package dev.berth.daemon.cri;

import dev.berth.cri.v1.RuntimeCondition;
import dev.berth.cri.v1.RuntimeStatus;
import dev.berth.cri.v1.StatusRequest;
import dev.berth.cri.v1.StatusResponse;

/** RuntimeService.Status. */
final class RuntimeStatusRpc {
    // The condition types and reason kubelet checks (k8s.io/cri-api runtime.v1 constants).
    static final String RUNTIME_READY = "RuntimeReady";
    static final String NETWORK_READY = "NetworkReady";
    static final String NETWORK_NOT_READY_REASON = "NetworkPluginNotReady";

    StatusResponse call(StatusRequest request) {
        // Without CNI no pod can get a network, so kubelet must keep the node NotReady rather than schedule pods.
        return StatusResponse.newBuilder()
                .setStatus(RuntimeStatus.newBuilder()
                        .addConditions(RuntimeCondition.newBuilder().setType(RUNTIME_READY).setStatus(true))
                        .addConditions(RuntimeCondition.newBuilder().setType(NETWORK_READY).setStatus(false)
                                .setReason(NETWORK_NOT_READY_REASON)
                                .setMessage("berth: CNI pod networking is not implemented yet")))
                .build();
    }
}
