package dev.berth.daemon.cri;

import dev.berth.cri.v1.VersionRequest;
import dev.berth.cri.v1.VersionResponse;
import dev.berth.daemon.BerthVersion;

/** RuntimeService.Version. */
final class RuntimeVersion {
    /** The kubelet runtime API version field; "0.1.0" is what every CRI runtime answers there. */
    private static final String KUBELET_API_VERSION = "0.1.0";

    VersionResponse call(VersionRequest request) {
        return VersionResponse.newBuilder()
                .setVersion(KUBELET_API_VERSION)
                .setRuntimeName("berth")
                .setRuntimeVersion(BerthVersion.VERSION)
                .setRuntimeApiVersion("v1")
                .build();
    }
}
