package dev.berth.daemon.cri;

import dev.berth.cri.v1.*;
import io.grpc.stub.StreamObserver;

/**
 * runtime.v1.RuntimeService: dispatch only. An RPC not overridden here answers UNIMPLEMENTED
 * (see {@link CriCalls#withUnimplementedExplained}).
 */
final class RuntimeServiceFacade extends RuntimeServiceGrpc.RuntimeServiceImplBase {
    private final RuntimeVersion version = new RuntimeVersion();
    private final RuntimeStatusRpc status;
    private final RuntimeConfigRpc runtimeConfig;
    private final PodSandboxRpcs pods;
    private final ContainerRpcs containers;
    private final ContainerEventsRpc events;
    private final CriStreaming streaming;

    RuntimeServiceFacade(RuntimeStatusRpc status, RuntimeConfigRpc runtimeConfig, PodSandboxRpcs pods,
                         ContainerRpcs containers, ContainerEventsRpc events, CriStreaming streaming) {
        this.status = status;
        this.runtimeConfig = runtimeConfig;
        this.pods = pods;
        this.containers = containers;
        this.events = events;
        this.streaming = streaming;
    }

    @Override
    public void exec(ExecRequest request, StreamObserver<ExecResponse> response) {
        CriCalls.unary("Exec", response, () -> streaming.exec(request));
    }

    @Override
    public void attach(AttachRequest request, StreamObserver<AttachResponse> response) {
        CriCalls.unary("Attach", response, () -> streaming.attach(request));
    }

    @Override
    public void portForward(PortForwardRequest request, StreamObserver<PortForwardResponse> response) {
        CriCalls.unary("PortForward", response, () -> streaming.portForward(request));
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

    /** kubelet sends the pod CIDR here; the CNI config decides addresses, so there is nothing to change. */
    @Override
    public void updateRuntimeConfig(UpdateRuntimeConfigRequest request,
                                    StreamObserver<UpdateRuntimeConfigResponse> response) {
        CriCalls.unary("UpdateRuntimeConfig", response, UpdateRuntimeConfigResponse::getDefaultInstance);
    }

    @Override
    public void runPodSandbox(RunPodSandboxRequest request, StreamObserver<RunPodSandboxResponse> response) {
        CriCalls.unary("RunPodSandbox", response, () -> pods.run(request));
    }

    @Override
    public void stopPodSandbox(StopPodSandboxRequest request, StreamObserver<StopPodSandboxResponse> response) {
        CriCalls.unary("StopPodSandbox", response, () -> pods.stop(request));
    }

    @Override
    public void removePodSandbox(RemovePodSandboxRequest request, StreamObserver<RemovePodSandboxResponse> response) {
        CriCalls.unary("RemovePodSandbox", response, () -> pods.remove(request));
    }

    @Override
    public void podSandboxStatus(PodSandboxStatusRequest request, StreamObserver<PodSandboxStatusResponse> response) {
        CriCalls.unary("PodSandboxStatus", response, () -> pods.status(request));
    }

    @Override
    public void listPodSandbox(ListPodSandboxRequest request, StreamObserver<ListPodSandboxResponse> response) {
        CriCalls.unary("ListPodSandbox", response, () -> pods.list(request));
    }

    @Override
    public void podSandboxStats(PodSandboxStatsRequest request, StreamObserver<PodSandboxStatsResponse> response) {
        CriCalls.unary("PodSandboxStats", response, () -> pods.stats(request));
    }

    @Override
    public void listPodSandboxStats(ListPodSandboxStatsRequest request,
                                    StreamObserver<ListPodSandboxStatsResponse> response) {
        CriCalls.unary("ListPodSandboxStats", response, () -> pods.listStats(request));
    }

    @Override
    public void createContainer(CreateContainerRequest request, StreamObserver<CreateContainerResponse> response) {
        CriCalls.unary("CreateContainer", response, () -> containers.create(request));
    }

    @Override
    public void startContainer(StartContainerRequest request, StreamObserver<StartContainerResponse> response) {
        CriCalls.unary("StartContainer", response, () -> containers.start(request));
    }

    @Override
    public void stopContainer(StopContainerRequest request, StreamObserver<StopContainerResponse> response) {
        CriCalls.unary("StopContainer", response, () -> containers.stop(request));
    }

    @Override
    public void removeContainer(RemoveContainerRequest request, StreamObserver<RemoveContainerResponse> response) {
        CriCalls.unary("RemoveContainer", response, () -> containers.remove(request));
    }

    @Override
    public void listContainers(ListContainersRequest request, StreamObserver<ListContainersResponse> response) {
        CriCalls.unary("ListContainers", response, () -> containers.list(request));
    }

    @Override
    public void containerStatus(ContainerStatusRequest request, StreamObserver<ContainerStatusResponse> response) {
        CriCalls.unary("ContainerStatus", response, () -> containers.status(request));
    }

    @Override
    public void updateContainerResources(UpdateContainerResourcesRequest request,
                                         StreamObserver<UpdateContainerResourcesResponse> response) {
        CriCalls.unary("UpdateContainerResources", response, () -> containers.update(request));
    }

    @Override
    public void reopenContainerLog(ReopenContainerLogRequest request,
                                   StreamObserver<ReopenContainerLogResponse> response) {
        CriCalls.unary("ReopenContainerLog", response, () -> containers.reopenLog(request));
    }

    @Override
    public void execSync(ExecSyncRequest request, StreamObserver<ExecSyncResponse> response) {
        CriCalls.unary("ExecSync", response, () -> containers.execSync(request));
    }

    @Override
    public void containerStats(ContainerStatsRequest request, StreamObserver<ContainerStatsResponse> response) {
        CriCalls.unary("ContainerStats", response, () -> containers.stats(request));
    }

    @Override
    public void listContainerStats(ListContainerStatsRequest request,
                                   StreamObserver<ListContainerStatsResponse> response) {
        CriCalls.unary("ListContainerStats", response, () -> containers.listStats(request));
    }

    @Override
    public void getContainerEvents(GetEventsRequest request, StreamObserver<ContainerEventResponse> response) {
        events.call(request, response);
    }

    /** Berth exports no extra metrics through the CRI: kubelet's cAdvisor-less stats come from the stats RPCs. */
    @Override
    public void listMetricDescriptors(ListMetricDescriptorsRequest request,
                                      StreamObserver<ListMetricDescriptorsResponse> response) {
        CriCalls.unary("ListMetricDescriptors", response, ListMetricDescriptorsResponse::getDefaultInstance);
    }

    @Override
    public void listPodSandboxMetrics(ListPodSandboxMetricsRequest request,
                                      StreamObserver<ListPodSandboxMetricsResponse> response) {
        CriCalls.unary("ListPodSandboxMetrics", response, ListPodSandboxMetricsResponse::getDefaultInstance);
    }
}
