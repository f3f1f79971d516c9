package dev.berth.daemon.cri;

import dev.berth.cri.v1.ContainerEventResponse;
import dev.berth.cri.v1.ContainerEventType;
import dev.berth.cri.v1.GetEventsRequest;
import dev.berth.daemon.container.Container;
import dev.berth.daemon.container.ContainerEvents;
import dev.berth.daemon.pod.PodService;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Instant;

/**
 * RuntimeService.GetContainerEvents: a stream of created/started/stopped/deleted events of the pods'
 * containers (kubelet's evented PLEG), each with the container's status and its pod's, until the client goes.
 */
final class ContainerEventsRpc {
    private static final System.Logger LOG = System.getLogger(ContainerEventsRpc.class.getName());
    private final ContainerEvents events;
    private final PodService pods;
    private final ContainerRpcs containers;
    private final PodSandboxRpcs sandboxes;

    ContainerEventsRpc(ContainerEvents events, PodService pods, ContainerRpcs containers, PodSandboxRpcs sandboxes) {
        this.events = events;
        this.pods = pods;
        this.containers = containers;
        this.sandboxes = sandboxes;
    }

    void call(GetEventsRequest request, StreamObserver<ContainerEventResponse> response) {
        ServerCallStreamObserver<ContainerEventResponse> out = (ServerCallStreamObserver<ContainerEventResponse>) response;
        Runnable unsubscribe = events.subscribe((type, c) -> send(out, type, c));
        out.setOnCancelHandler(unsubscribe);
    }

    private void send(ServerCallStreamObserver<ContainerEventResponse> out, ContainerEvents.Type type, Container c) {
        String podId = c.record().config().podId();
        if (podId == null || PodService.isInfra(c) || out.isCancelled()) {
            return;
        }
        ContainerEventResponse.Builder event = ContainerEventResponse.newBuilder().setContainerId(c.id())
                .setContainerEventType(switch (type) {
                    case CREATED -> ContainerEventType.CONTAINER_CREATED_EVENT;
                    case STARTED -> ContainerEventType.CONTAINER_STARTED_EVENT;
                    case STOPPED -> ContainerEventType.CONTAINER_STOPPED_EVENT;
                    case DELETED -> ContainerEventType.CONTAINER_DELETED_EVENT;
                })
                .setCreatedAt(CriTime.nanos(Instant.now()));
        pods.find(podId).ifPresent(pod -> event.setPodSandboxStatus(sandboxes.status(pod)));
        if (type != ContainerEvents.Type.DELETED) {
            event.addContainersStatuses(containers.status(c));
        }
        // Events come from many threads; a gRPC stream takes one writer at a time.
        synchronized (out) {
            try {
                out.onNext(event.build());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "container events stream closed: " + e);
            }
        }
    }
}
