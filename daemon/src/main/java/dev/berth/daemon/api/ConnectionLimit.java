package dev.berth.daemon.api;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cap on a listening socket's open connections ({@code max_connections}): the connection past it is
 * closed as it is accepted, before Netty registers it. Each connection holds a file descriptor of
 * berthd's, and so do the clean-ups of exited containers (runc, cgroup files, logs); with no cap, idle
 * clients could take them all and an exit could no longer be cleaned up. Sits on the server channel
 * after {@link PeerCredentialsGate}, so connections refused there never count.
 */
@ChannelHandler.Sharable
public final class ConnectionLimit extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(ConnectionLimit.class.getName());
    private static final long LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final Path socket;
    private final int max;
    private final Runnable onRefused;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refusedUnlogged = new AtomicLong();
    private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);

    public ConnectionLimit(Path socket, ConnectionPolicy policy) {
        this.socket = socket;
        this.max = policy.maxConnections();
        this.onRefused = policy.onRefused();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Channel child) {
            if (open.incrementAndGet() > max) {
                open.decrementAndGet();
                // Not registered yet, so closing it forcibly is all there is to undo (as Netty's acceptor does).
                child.unsafe().closeForcibly();
                onRefused.run();
                logRefusal();
                return;
            }
            child.closeFuture().addListener(closed -> open.decrementAndGet());
        }
        ctx.fireChannelRead(msg);
    }

    /** Once a minute at most: a flood of connections must not become a flood of log lines. */
    private void logRefusal() {
        refusedUnlogged.incrementAndGet();
        long now = System.nanoTime();
        long last = lastLog.get();
        if (now - last >= LOG_INTERVAL_NANOS && lastLog.compareAndSet(last, now)) {
            LOG.log(Level.WARNING, "refused {0} connection(s) on {1} in the last minute: {2} are open, the cap"
                    + " (max_connections)", refusedUnlogged.getAndSet(0), socket, max);
        }
    }

    public int open() {
        return open.get();
    }

    /** The limit on a server channel made by {@code channel}; pass the result to the gate's own guard. */
    public <C extends Channel> C guard(C channel) {
        channel.pipeline().addFirst(this);
        return channel;
    }
}
