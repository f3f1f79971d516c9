package dev.berth.bench;

import dev.berth.cri.v1.ContainerConfig;
import dev.berth.cri.v1.ContainerMetadata;
import dev.berth.cri.v1.CreateContainerRequest;
import dev.berth.cri.v1.ImageServiceGrpc;
import dev.berth.cri.v1.ImageSpec;
import dev.berth.cri.v1.LinuxContainerConfig;
import dev.berth.cri.v1.LinuxContainerSecurityContext;
import dev.berth.cri.v1.LinuxPodSandboxConfig;
import dev.berth.cri.v1.LinuxSandboxSecurityContext;
import dev.berth.cri.v1.ListPodSandboxRequest;
import dev.berth.cri.v1.PodSandbox;
import dev.berth.cri.v1.PodSandboxConfig;
import dev.berth.cri.v1.PodSandboxMetadata;
import dev.berth.cri.v1.SecurityProfile;
import dev.berth.cri.v1.PullImageRequest;
import dev.berth.cri.v1.RemoveContainerRequest;
import dev.berth.cri.v1.RemoveImageRequest;
import dev.berth.cri.v1.RemovePodSandboxRequest;
import dev.berth.cri.v1.RunPodSandboxRequest;
import dev.berth.cri.v1.RuntimeServiceGrpc;
import dev.berth.cri.v1.StartContainerRequest;
import dev.berth.cri.v1.StopContainerRequest;
import dev.berth.cri.v1.StopPodSandboxRequest;
import dev.berth.cri.v1.VersionRequest;
import dev.berth.it.support.CriChannel;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One CRI runtime under test, reached over its unix socket as kubelet reaches it, with the pod and container
 * configs the benchmark uses. Both runtimes get the same requests; only the socket, the pod cgroup parent and
 * the log directory differ.
 */
final class CriTarget implements AutoCloseable {
    private static final long DEADLINE_SECONDS = 120;

    private final String name;
    private final String cgroupParent;
    private final Path logRoot;
    private final CriChannel cri;
    private final RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime;
    private final ImageServiceGrpc.ImageServiceBlockingStub images;

    /**
     * @param cgroupParent the pods' cgroup parent, each pod gets {@code cgroupParent/NAME} below it
     * @param logRoot      the pods' log directories go below it
     */
    CriTarget(String name, Path socket, String cgroupParent, Path logRoot) {
        this.name = name;
        this.cgroupParent = cgroupParent;
        this.logRoot = logRoot;
        cri = new CriChannel(socket);
        runtime = cri.runtime();
        images = cri.images();
    }

    String name() {
        return name;
    }

    private RuntimeServiceGrpc.RuntimeServiceBlockingStub rt() {
        return runtime.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    private ImageServiceGrpc.ImageServiceBlockingStub img() {
        return images.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    /** "runtime name version", which also proves the socket answers. */
    String version() {
        var v = call("Version", () -> rt().version(VersionRequest.newBuilder().setVersion("v1").build()));
        return v.getRuntimeName() + " " + v.getRuntimeVersion();
    }

    /**
     * kubelet always names a seccomp profile (Unconfined, or RuntimeDefault with SeccompDefault); with none named,
     * Berth applies RuntimeDefault and containerd none, and the two would not do the same work.
     */
    private static final SecurityProfile RUNTIME_DEFAULT = SecurityProfile.newBuilder()
            .setProfileType(SecurityProfile.ProfileType.RuntimeDefault).build();

    PodSandboxConfig podConfig(String podName) {
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(podName).setNamespace("bench")
                        .setUid("uid-" + podName).setAttempt(0))
                .setHostname(podName)
                .setLogDirectory(logRoot.resolve(podName).toString())
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent(cgroupParent + "/" + podName)
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setSeccomp(RUNTIME_DEFAULT)))
                .build();
    }

    String runPod(PodSandboxConfig config) {
        return call("RunPodSandbox " + config.getMetadata().getName(), () -> rt()
                .runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config).build()).getPodSandboxId());
    }

    void stopPod(String id) {
        call("StopPodSandbox " + id,
                () -> rt().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build()));
    }

    void removePod(String id) {
        call("RemovePodSandbox " + id,
                () -> rt().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build()));
    }

    /** A busybox {@code sleep} that runs until it is stopped. */
    String createSleeper(String podId, PodSandboxConfig pod, String containerName, String image) {
        ContainerConfig config = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(containerName))
                .setImage(ImageSpec.newBuilder().setImage(image))
                .addAllCommand(List.of("sleep", "3600"))
                .setLogPath(containerName + ".log")
                .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(
                        LinuxContainerSecurityContext.newBuilder().setSeccomp(RUNTIME_DEFAULT)))
                .build();
        return call("CreateContainer " + containerName, () -> rt().createContainer(CreateContainerRequest.newBuilder()
                .setPodSandboxId(podId).setConfig(config).setSandboxConfig(pod).build()).getContainerId());
    }

    void startContainer(String id) {
        call("StartContainer " + id,
                () -> rt().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build()));
    }

    /** Timeout 0: SIGKILL at once, as {@code sleep} as PID 1 ignores SIGTERM and would hold every stop. */
    void stopContainer(String id) {
        call("StopContainer " + id, () -> rt().stopContainer(
                StopContainerRequest.newBuilder().setContainerId(id).setTimeout(0).build()));
    }

    void removeContainer(String id) {
        call("RemoveContainer " + id,
                () -> rt().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build()));
    }

    String pullImage(String ref) {
        return call("PullImage " + ref, () -> img().pullImage(PullImageRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(ref)).build()).getImageRef());
    }

    void removeImage(String ref) {
        call("RemoveImage " + ref, () -> img().removeImage(RemoveImageRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(ref)).build()));
    }

    /** Stops and removes every pod (and so every container) this runtime has; returns how many there were. */
    int removeAllPods() {
        List<PodSandbox> pods = call("ListPodSandbox",
                () -> rt().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList());
        for (PodSandbox p : pods) {
            stopPod(p.getId());
            removePod(p.getId());
        }
        return pods.size();
    }

    private <T> T call(String operation, java.util.function.Supplier<T> rpc) {
        try {
            return rpc.get();
        } catch (StatusRuntimeException e) {
            throw new IllegalStateException(name + ": " + operation + " failed: " + e.getStatus(), e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        cri.close();
    }
}
