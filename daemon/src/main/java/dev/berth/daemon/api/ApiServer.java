package dev.berth.daemon.api;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * The REST API on a unix socket (docs/api.md): Netty's epoll domain-socket transport and HTTP codec.
 * Handlers may block (they drive runc), so they run on their own executor group, not the event loop. Only
 * root and the socket group ({@link SocketAccess}) get in, up to {@link ConnectionPolicy}'s cap; an idle
 * connection is closed after its timeout ({@link IdleConnectionCloser}).
 */
public final class ApiServer implements AutoCloseable {
    static final String CODEC = "http-codec";
    static final String IDLE = "idle-closer";
    static final String AGGREGATOR = "http-aggregator";
    static final String API = "api";
    private static final int MAX_BODY = 1024 * 1024;

    private final Path socket;
    private final SocketAccess access;
    private final ApiHandler.Routes routes;
    private final ConnectionPolicy policy;
    private final ConnectionLimit limit;
    private EventLoopGroup group;
    private EventExecutorGroup workers;
    private Channel channel;

    public ApiServer(Path socket, SocketAccess access, ApiHandler.Routes routes, ConnectionPolicy policy) {
        this.socket = socket;
        this.access = access;
        this.routes = routes;
        this.policy = policy;
        this.limit = new ConnectionLimit(socket, policy);
    }

    public void start() throws IOException, InterruptedException {
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        workers = new DefaultEventExecutorGroup(16);
        PeerCredentialsGate gate = new PeerCredentialsGate(socket, access);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channelFactory(() -> gate.guard(limit.guard(new EpollServerDomainSocketChannel())))
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(CODEC, new HttpServerCodec());
                        if (policy.closesIdle()) {
                            ch.pipeline().addLast(IDLE, new IdleConnectionCloser(policy.idleTimeout(),
                                    policy.onIdleClosed()));
                        }
                        ch.pipeline()
                                .addLast(AGGREGATOR, new HttpObjectAggregator(MAX_BODY))
                                .addLast(workers, API, new ApiHandler(routes));
                    }
                });
        channel = access.bind(socket, path -> bootstrap.bind(new DomainSocketAddress(path.toFile())).sync().channel());
    }

    /** The connections open now, for the metrics. */
    public int openConnections() {
        return limit.open();
    }

    /**
     * Completes on the event loop: the watchdog's proof that connections are still accepted. Not on the
     * handler workers: a worker is legitimately busy for the whole of a long pull, wait or log follow.
     */
    public CompletableFuture<Void> ping() {
        CompletableFuture<Void> answered = new CompletableFuture<>();
        group.next().execute(() -> answered.complete(null));
        return answered;
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        }
        if (workers != null) {
            workers.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException ignored) {
            // the next start replaces it anyway
        }
    }
}
