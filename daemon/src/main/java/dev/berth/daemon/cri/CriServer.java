package dev.berth.daemon.cri;

import dev.berth.daemon.api.ConnectionLimit;
import dev.berth.daemon.api.ConnectionPolicy;
import dev.berth.daemon.api.ImageRoutes;
import dev.berth.daemon.api.PeerCredentialsGate;
import dev.berth.daemon.api.SocketAccess;
import dev.berth.daemon.container.ContainerService;
import dev.berth.daemon.pod.PodService;
import dev.berth.daemon.streaming.StreamingServer;
import dev.berth.image.ImageStore;
import dev.berth.image.registry.RegistriesConfig;
import dev.berth.image.registry.RegistryCredentials;
import dev.berth.oci.BerthException;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The CRI gRPC server on its own unix socket, open to root and the socket group alone ({@link SocketAccess}:
 * kubelet runs as root, and whoever can reach the socket can run anything as root). Netty epoll, the
 * transport the REST API already uses.
 */
public final class CriServer implements AutoCloseable {
    private final Path socket;
    private final Server server;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final StreamingServer streaming;
    private final ConnectionLimit limit;

    /** What the CRI RPCs are served from. */
    public record Backends(ImageStore images, Predicate<String> imageInUse, Supplier<RegistriesConfig> registries,
            Function<String, RegistryCredentials> storedCredentials, ImageRoutes.PullListener pulls,
            String cgroupDriver, ContainerService containers, PodService pods, ExecutorService streams,
            String streamAddress, int streamPort) {
    }

    private CriServer(Path socket, Server server, EventLoopGroup boss, EventLoopGroup workers,
                      StreamingServer streaming, ConnectionLimit limit) {
        this.streaming = streaming;
        this.limit = limit;
        this.socket = socket;
        this.server = server;
        this.boss = boss;
        this.workers = workers;
    }

    /**
     * Serves on {@code socket}. An idle connection ({@code policy}'s timeout with no RPC in flight, so never
     * one carrying a GetContainerEvents stream) gets an HTTP/2 GOAWAY: gRPC clients reconnect at their next call.
     */
    public static CriServer start(Path socket, SocketAccess access, ConnectionPolicy policy, Backends b) {
        ContainerRpcs containers = new ContainerRpcs(b.containers(), b.pods(), b.streams());
        CriStreaming streamingBackend = new CriStreaming(b.containers(), b.pods(), containers);
        StreamingServer streaming = StreamingServer.start(streamingBackend, b.streamAddress(), b.streamPort(),
                StreamingServer.DEFAULT_TOKEN_TTL);
        streamingBackend.serveOn(streaming);
        PodSandboxRpcs pods = new PodSandboxRpcs(b.pods(), containers);
        RuntimeServiceFacade runtime = new RuntimeServiceFacade(
                new RuntimeStatusRpc(() -> b.pods().network().readiness(), b.containers().runtimeHandlers()),
                new RuntimeConfigRpc(b.cgroupDriver()),
                pods, containers, new ContainerEventsRpc(b.containers().events(), b.pods(), containers, pods),
                streamingBackend);
        ImageServiceFacade images = new ImageServiceFacade(new ImageList(b.images()), new ImageStatusRpc(b.images()),
                new ImagePull(b.images(), b.registries(), b.storedCredentials(), b.pulls()),
                new ImageRemove(b.images(), b.imageInUse()),
                new ImageFsInfoRpc(b.images().root(), Clock.systemUTC()));
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        PeerCredentialsGate gate = new PeerCredentialsGate(socket, access);
        ConnectionLimit limit = new ConnectionLimit(socket, policy);
        try {
            // The RPCs block (a pull takes minutes), so they run on gRPC's default executor, not the event loop.
            Server server = access.bind(socket, path -> {
                NettyServerBuilder builder = NettyServerBuilder.forAddress(new DomainSocketAddress(path.toFile()))
                        .bossEventLoopGroup(boss)
                        .workerEventLoopGroup(workers)
                        .channelFactory(() -> gate.guard(limit.guard(new EpollServerDomainSocketChannel())))
                        .addService(CriCalls.withUnimplementedExplained(runtime, runtime.bindService()))
                        .addService(CriCalls.withUnimplementedExplained(images, images.bindService()));
                if (policy.closesIdle()) {
                    builder.maxConnectionIdle(policy.idleTimeout().toNanos(), TimeUnit.NANOSECONDS);
                }
                return builder.build().start();
            });
            return new CriServer(socket, server, boss, workers, streaming, limit);
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            streaming.close();
            boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new BerthException(BerthException.Kind.UNAVAILABLE,
                    "serve the CRI on " + socket + ": " + e.getMessage(), e);
        }
    }

    public Path socket() {
        return socket;
    }

    /** The connections open now, for the metrics. */
    public int openConnections() {
        return limit.open();
    }

    /** The port of the Exec/Attach/PortForward streaming server. */
    public int streamingPort() {
        return streaming.port();
    }

    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        streaming.close();
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            // Harmless: the next start deletes it before binding.
        }
    }
}
