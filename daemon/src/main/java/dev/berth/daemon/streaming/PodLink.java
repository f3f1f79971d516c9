package dev.berth.daemon.streaming;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.Queue;

/**
 * One forwarded connection: a TCP connection to a port in the pod, relayed to and from one data stream
 * of the client connection. The link ends when the pod's side closes (as in containerd and CRI-O); the
 * client's end of input only half-closes the pod connection. Everything runs on the client
 * connection's event loop. Flow control is TCP's: a side that cannot take more stops the other's reads.
 */
final class PodLink extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(PodLink.class.getName());

    /** The protocol side of the link; called on the event loop. */
    interface ClientSide {
        void fromPod(ByteBuf data);

        /** The pod's side closed or the connection broke: the link is over. */
        void podClosed();

        void connectFailed(String message);
    }

    private final int port;
    private final String podSandboxId;
    private final Channel client;
    private final ClientSide side;
    private final Queue<ByteBuf> early = new ArrayDeque<>();
    private Channel pod;
    private boolean clientFinished;
    private boolean over;

    PodLink(int port, String podSandboxId, Channel client, ClientSide side) {
        this.port = port;
        this.podSandboxId = podSandboxId;
        this.client = client;
        this.side = side;
    }

    int port() {
        return port;
    }

    void start(PodConnector connector) {
        connector.connect(port, this).addListener(f -> {
            if (!f.isSuccess()) {
                dropEarly();
                if (!over) {
                    over = true;
                    side.connectFailed("error forwarding port " + port + " to pod " + podSandboxId
                            + ": connect 127.0.0.1:" + port + ": " + f.cause().getMessage());
                }
                return;
            }
            pod = (Channel) f.getNow();
            if (over) {
                pod.close();
                return;
            }
            while (!early.isEmpty()) {
                pod.write(early.poll());
            }
            pod.flush();
            if (clientFinished) {
                shutdownPodOutput();
            }
        });
    }

    /** Client data for the pod; takes ownership of {@code data}. */
    void fromClient(ByteBuf data) {
        if (over) {
            data.release();
        } else if (pod == null) {
            early.add(data);
        } else {
            pod.writeAndFlush(data);
            if (!pod.isWritable()) {
                client.config().setAutoRead(false);
            }
        }
    }

    /** The client will send no more: the pod sees end of input but may still answer. */
    void clientFinished() {
        clientFinished = true;
        if (pod != null) {
            shutdownPodOutput();
        }
    }

    private void shutdownPodOutput() {
        if (pod instanceof DuplexChannel d && pod.isActive()) {
            d.shutdownOutput();
        }
    }

    /** Ends the link from the client side (reset stream, client gone). */
    void close() {
        over = true;
        dropEarly();
        if (pod != null) {
            pod.close();
        }
    }

    /** The client connection can take more: the pod may be read again. */
    void clientWritable(boolean writable) {
        if (pod != null) {
            pod.config().setAutoRead(writable);
        }
    }

    private void dropEarly() {
        while (!early.isEmpty()) {
            early.poll().release();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (over || !(msg instanceof ByteBuf data)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        side.fromPod(data);
        if (!client.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!over) {
            over = true;
            side.podClosed();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        client.config().setAutoRead(ctx.channel().isWritable());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(Level.DEBUG, "port forward " + port + " to pod " + podSandboxId + ": " + cause);
        ctx.close();
    }
}
