package dev.berth.it.support;

import dev.berth.cri.v1.ImageServiceGrpc;
import dev.berth.cri.v1.ListPodSandboxRequest;
import dev.berth.cri.v1.PodSandbox;
import dev.berth.cri.v1.RemovePodSandboxRequest;
import dev.berth.cri.v1.RuntimeServiceGrpc;
import dev.berth.cri.v1.StopPodSandboxRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A gRPC client of berthd's CRI socket, as kubelet connects: plaintext over the unix socket. */
public final class CriChannel implements AutoCloseable {
    private final EventLoopGroup group;
    private final ManagedChannel channel;

    public CriChannel(Path socket) {
        this(socket, 1);
    }

    /** @param threads event loop threads: more where many calls are in flight at once */
    public CriChannel(Path socket, int threads) {
        group = new MultiThreadIoEventLoopGroup(threads, EpollIoHandler.newFactory());
        // ExecSync answers carry up to 16 MB of output
        channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toFile()))
                .eventLoopGroup(group).channelType(EpollDomainSocketChannel.class).usePlaintext()
                .maxInboundMessageSize(32 << 20).build();
    }

    public RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
        return RuntimeServiceGrpc.newBlockingStub(channel);
    }

    public RuntimeServiceGrpc.RuntimeServiceStub asyncRuntime() {
        return RuntimeServiceGrpc.newStub(channel);
    }

    public ImageServiceGrpc.ImageServiceBlockingStub images() {
        return ImageServiceGrpc.newBlockingStub(channel);
    }

    /** Stops and removes every pod berthd lists (a test's clean-up). */
    public void removeAllPods() {
        RuntimeServiceGrpc.RuntimeServiceBlockingStub rt = runtime().withDeadlineAfter(120, TimeUnit.SECONDS);
        for (PodSandbox p : rt.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
            rt.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
            rt.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
        }
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
