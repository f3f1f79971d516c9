package dev.berth.daemon.cri;

import dev.berth.cri.v1.RuntimeConfigRequest;
import dev.berth.cri.v1.RuntimeConfigResponse;
import dev.berth.cri.v1.RuntimeServiceGrpc;
import dev.berth.cri.v1.StatusRequest;
import dev.berth.cri.v1.StatusResponse;
import dev.berth.cri.v1.VersionRequest;
import dev.berth.cri.v1.VersionResponse;
import io.grpc.stub.StreamObserver;

/**
 * runtime.v1.RuntimeService: dispatch only. An RPC not overridden here answers UNIMPLEMENTED
 * (see {@link CriCalls#withUnimplementedExplained}).
 */
final class RuntimeServiceFacade extends RuntimeServiceGrpc.RuntimeServiceImplBase {
    private final RuntimeVersion version = new RuntimeVersion();
    private final RuntimeStatusRpc status = new RuntimeStatusRpc();
    private final RuntimeConfigRpc runtimeConfig;

    RuntimeServiceFacade(String cgroupDriver) {
        this.runtimeConfig = new RuntimeConfigRpc(cgroupDriver);
    }

    @Override
    public void version(VersionRequest request, StreamObserver<VersionResponse> response) {
        CriCalls.unary("Version", response, () -> version.call(request));
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> response) {
        CriCalls.unary("Status", response, () -> status.call(request));
    }

    @Override
    public void runtimeConfig(RuntimeConfigRequest request, StreamObserver<RuntimeConfigResponse> response) {
        CriCalls.unary("RuntimeConfig", response, () -> runtimeConfig.call(request));
    }
}
