package dev.berth.daemon.cri;

import dev.berth.cri.v1.AttachRequest;
import dev.berth.cri.v1.AttachResponse;
import dev.berth.cri.v1.ExecRequest;
import dev.berth.cri.v1.ExecResponse;
import dev.berth.cri.v1.PortForwardRequest;
import dev.berth.cri.v1.PortForwardResponse;
import dev.berth.daemon.api.model.ExecCreate;
import dev.berth.daemon.container.Container;
import dev.berth.daemon.container.ContainerService;
import dev.berth.daemon.pod.PodRecord;
import dev.berth.daemon.pod.PodService;
import dev.berth.daemon.streaming.AttachTarget;
import dev.berth.daemon.streaming.ExecTarget;
import dev.berth.daemon.streaming.StreamingBackend;
import dev.berth.daemon.streaming.StreamingServer;
import dev.berth.daemon.streaming.Streams;
import dev.berth.oci.BerthException;
import dev.berth.shim.ExecSession;
import dev.berth.shim.FrameStream;
import java.nio.file.Path;
import java.util.List;

/**
 * Exec, Attach and PortForward: the RPCs check the target and hand back a one-time URL of the streaming
 * server, which then runs the session through the same container code as the REST API.
 */
final class CriStreaming implements StreamingBackend {
    private final ContainerService containers;
    private final PodService pods;
    private final ContainerRpcs criContainers;
    private StreamingServer server;

    CriStreaming(ContainerService containers, PodService pods, ContainerRpcs criContainers) {
        this.containers = containers;
        this.pods = pods;
        this.criContainers = criContainers;
    }

    void serveOn(StreamingServer streamingServer) {
        this.server = streamingServer;
    }

    ExecResponse exec(ExecRequest r) {
        Container c = running(r.getContainerId(), "Exec");
        return ExecResponse.newBuilder().setUrl(server.execUrl(new ExecTarget(c.id(), r.getCmdList(),
                new Streams(r.getStdin(), r.getStdout(), r.getStderr(), r.getTty())))).build();
    }

    AttachResponse attach(AttachRequest r) {
        Container c = running(r.getContainerId(), "Attach");
        return AttachResponse.newBuilder().setUrl(server.attachUrl(new AttachTarget(c.id(),
                new Streams(r.getStdin(), r.getStdout(), r.getStderr(), r.getTty())))).build();
    }

    PortForwardResponse portForward(PortForwardRequest r) {
        PodRecord pod = pods.get(r.getPodSandboxId());
        if (pod.state() != PodRecord.State.READY) {
            throw new BerthException(BerthException.Kind.FAILED_PRECONDITION, "PortForward: pod " + pod.id()
                    + " is not ready");
        }
        return PortForwardResponse.newBuilder().setUrl(server.portForwardUrl(pod.id())).build();
    }

    private Container running(String id, String rpc) {
        Container c = criContainers.criContainer(id);
        if (!c.state().isRunning()) {
            throw new BerthException(BerthException.Kind.FAILED_PRECONDITION, rpc + ": container " + c.id()
                    + " is not running");
        }
        return c;
    }

    @Override
    public ExecSession exec(String containerId, List<String> cmd, boolean tty, boolean stdin) {
        return containers.exec(containers.resolve(containerId, "exec in"),
                new ExecCreate(cmd, tty, stdin, null, null, null, null));
    }

    @Override
    public FrameStream attach(String containerId) {
        // the CRI attaches to a running container; kubelet restarts containers itself
        return containers.attach(containers.resolve(containerId, "attach to"), false);
    }

    @Override
    public Path podNetns(String podSandboxId) {
        String netns = pods.get(podSandboxId).netns();
        return netns != null ? Path.of(netns) : null;
    }
}
