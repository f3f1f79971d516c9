package dev.berth.daemon.streaming;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * Connects to 127.0.0.1:PORT inside a pod's network namespace (the host's when the backend names none)
 * for one port-forward session. A dedicated thread enters the namespace once and is used for nothing
 * but creating the sockets (Netty
 * creates a channel's socket in the thread that calls connect); the connections themselves run on
 * the client connection's event loop. The thread ends with the session, so no pooled thread ever
 * carries a pod's namespace.
 */
final class PodConnector implements AutoCloseable {
    private static final InetAddress LOOPBACK;
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

    static {
        try {
            LOOPBACK = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String podSandboxId;
    private final EventLoop loop;
    private final Transport transport;
    private final ExecutorService inNetns;
    private volatile IOException enterFailure;


    PodConnector(String podSandboxId, StreamingBackend backend, EventLoop loop, Transport transport) {
        this.podSandboxId = podSandboxId;
        this.loop = loop;
        this.transport = transport;
        this.inNetns = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "netns-" + podSandboxId);
            t.setDaemon(true);
            return t;
        });
        // The backend may block, so even the lookup happens here and not on the event loop.
        inNetns.execute(() -> {
            try {
                Path netns = backend.podNetns(podSandboxId);
                if (netns != null) {
                    Netns.enter(netns);
                }
            } catch (IOException e) {
                enterFailure = e;
            } catch (RuntimeException e) {
                enterFailure = new IOException(e.getMessage(), e);
            }
        });
    }

    /** Completes on the event loop with the connected channel, whose pipeline holds {@code handler}. */
    Future<Channel> connect(int port, ChannelHandler handler) {
        Promise<Channel> connected = loop.newPromise();
        Bootstrap b = new Bootstrap().group(loop)
                .channelFactory(transport.ipv4Client()::get)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .handler(handler);
        Runnable connect = () -> {
            if (enterFailure != null) {
                connected.tryFailure(enterFailure);
                return;
            }
            try {
                ChannelFuture f = b.connect(new InetSocketAddress(LOOPBACK, port));
                f.addListener(done -> {
                    if (done.isSuccess()) {
                        connected.trySuccess(f.channel());
                    } else {
                        connected.tryFailure(done.cause());
                    }
                });
            } catch (RuntimeException e) {
                connected.tryFailure(e);
            }
        };
        try {
            inNetns.execute(connect);
        } catch (RejectedExecutionException e) {
            connected.tryFailure(new IOException("port forward to pod " + podSandboxId + " has ended"));
        }
        return connected;
    }

    @Override
    public void close() {
        inNetns.shutdown();
    }
}
