package dev.berth.daemon.streaming;

import dev.berth.oci.BerthException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.NetUtil;
import java.lang.System.Logger.Level;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The CRI streaming server: Exec, Attach and PortForward answer with a URL of this server that holds a
 * single-use token, and kubelet (or crictl) connects to it with WebSocket ({@code v5/v4.channel.k8s.io})
 * or SPDY/3.1 ({@code v4.channel.k8s.io}, {@code portforward.k8s.io}). The token is the only credential,
 * so the server binds to loopback unless told otherwise.
 */
public final class StreamingServer implements AutoCloseable {
    /** kubelet's streaming cache keeps a request this long. */
    public static final Duration DEFAULT_TOKEN_TTL = Duration.ofMinutes(1);
    public static final String DEFAULT_ADDRESS = "127.0.0.1";
    private static final System.Logger LOG = System.getLogger(StreamingServer.class.getName());
    /** Upgrade requests have no body. */
    private static final int MAX_REQUEST_BODY = 8192;

    private final StreamTokens tokens;
    private final EventLoopGroup group;
    private final Channel listener;
    private final String baseUrl;

    private StreamingServer(StreamTokens tokens, EventLoopGroup group, Channel listener) {
        this.tokens = tokens;
        this.group = group;
        this.listener = listener;
        InetSocketAddress bound = (InetSocketAddress) listener.localAddress();
        InetAddress a = bound.getAddress();
        String host = a instanceof Inet6Address ? "[" + a.getHostAddress() + "]" : a.getHostAddress();
        this.baseUrl = "http://" + host + ":" + bound.getPort();
    }

    /** Listens on 127.0.0.1, an ephemeral port, tokens valid for one minute. */
    public static StreamingServer start(StreamingBackend backend) {
        return start(backend, DEFAULT_ADDRESS, 0, DEFAULT_TOKEN_TTL);
    }

    /**
     * @param address the address to listen on (an IP literal)
     * @param port the port, 0 for an ephemeral one ({@link #port()} tells it)
     * @param tokenTtl how long an issued URL stays usable
     */
    public static StreamingServer start(StreamingBackend backend, String address, int port, Duration tokenTtl) {
        String op = "start streaming server on " + address + ":" + port;
        if (port < 0 || port > 65535) {
            throw BerthException.invalid(op + ": port out of range");
        }
        InetAddress bindAddress = address == null ? null : NetUtil.createInetAddressFromIpAddressString(address);
        if (bindAddress == null) {
            throw BerthException.invalid(op + ": not an IP address");
        }
        StreamTokens tokens = new StreamTokens(tokenTtl, System::nanoTime);
        Transport transport = Transport.best();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, transport.ioHandler());
        try {
            Channel listener = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannel())
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline()
                                    .addLast(StreamRouter.CODEC, new HttpServerCodec())
                                    .addLast(StreamRouter.AGGREGATOR, new HttpObjectAggregator(MAX_REQUEST_BODY))
                                    .addLast(new StreamRouter(tokens, backend, transport));
                        }
                    })
                    .bind(new InetSocketAddress(bindAddress, port)).syncUninterruptibly().channel();
            StreamingServer server = new StreamingServer(tokens, group, listener);
            LOG.log(Level.INFO, "streaming server listening on " + server.baseUrl + " ("
                    + transport.serverChannel().getSimpleName() + ", tokens valid " + tokenTtl + ")");
            return server;
        } catch (Exception e) { // syncUninterruptibly rethrows the bind's IOException undeclared
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new BerthException(BerthException.Kind.UNAVAILABLE, op + ": " + e.getMessage(), e);
        }
    }

    /** The port the server listens on. */
    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** The URL for a CRI ExecResponse. */
    public String execUrl(ExecTarget target) {
        return baseUrl + "/exec/" + tokens.issue(target, target.operation());
    }

    /** The URL for a CRI AttachResponse. */
    public String attachUrl(AttachTarget target) {
        return baseUrl + "/attach/" + tokens.issue(target, target.operation());
    }

    /** The URL for a CRI PortForwardResponse; the ports come with the client's streams. */
    public String portForwardUrl(String podSandboxId) {
        if (podSandboxId == null || podSandboxId.isEmpty()) {
            throw BerthException.invalid("port forward: a pod sandbox id is required");
        }
        return baseUrl + "/portforward/"
                + tokens.issue(new PortForwardTarget(podSandboxId), "port forward to pod " + podSandboxId);
    }

    /** Stops listening and ends every open stream. */
    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
