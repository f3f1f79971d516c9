package dev.berth.daemon.streaming;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrame;
import io.netty.handler.codec.spdy.SpdyGoAwayFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Port forwarding over SPDY/3.1, {@code portforward.k8s.io}: for every connection the client opens an
 * error stream and a data stream with the same {@code requestID} and {@code port} headers; once both
 * are there the server connects to the port in the pod and relays the data stream. The session lasts
 * as long as the client keeps the connection.
 */
final class SpdyPortForwardHandler extends SimpleChannelInboundHandler<SpdyFrame> {
    static final String PROTOCOL = "portforward.k8s.io";
    private static final System.Logger LOG = System.getLogger(SpdyPortForwardHandler.class.getName());

    private final PortForwardTarget target;
    private final StreamingBackend backend;
    private final Transport transport;
    private final Map<String, Pair> pairs = new HashMap<>();
    private final Map<Integer, PodLink> linkByDataStream = new HashMap<>();
    private PodConnector connector;

    /** The two streams of one forwarded connection, as they arrive. */
    private static final class Pair {
        Integer dataStream;
        Integer errorStream;
        String port;
    }

    SpdyPortForwardHandler(PortForwardTarget target, StreamingBackend backend, Transport transport) {
        this.target = target;
        this.backend = backend;
        this.transport = transport;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        connector = new PodConnector(target.podSandboxId(), backend, ctx.channel().eventLoop(), transport);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, SpdyFrame frame) {
        if (frame instanceof SpdySynStreamFrame syn) {
            onNewStream(ctx, syn);
        } else if (frame instanceof SpdyDataFrame data) {
            SpdyStreams.consumed(ctx, data);
            PodLink link = linkByDataStream.get(data.streamId());
            if (link == null) {
                return;
            }
            if (data.content().isReadable()) {
                link.fromClient(data.content().retain());
            }
            if (data.isLast()) {
                link.clientFinished();
            }
        } else if (frame instanceof SpdyRstStreamFrame rst) {
            PodLink link = linkByDataStream.remove(rst.streamId());
            if (link != null) {
                link.close();
            }
        } else if (frame instanceof SpdyGoAwayFrame) {
            ctx.close();
        } else {
            SpdyStreams.answerControl(ctx, frame);
        }
    }

    private void onNewStream(ChannelHandlerContext ctx, SpdySynStreamFrame syn) {
        String type = syn.headers().getAsString(SpdyStreams.STREAM_TYPE);
        boolean data = "data".equals(type);
        if (!data && !"error".equals(type)) {
            LOG.log(Level.DEBUG, "port forward to pod " + target.podSandboxId() + ": refusing stream "
                    + syn.streamId() + " of type " + type);
            SpdyStreams.refuse(ctx, syn.streamId());
            return;
        }
        SpdyStreams.accept(ctx, syn.streamId());
        String requestId = syn.headers().getAsString("requestid");
        if (requestId == null) {
            // Clients before requestID open the error stream right before its data stream.
            requestId = Integer.toString(data ? syn.streamId() - 2 : syn.streamId());
        }
        Pair p = pairs.computeIfAbsent(requestId, k -> new Pair());
        if (data) {
            p.dataStream = syn.streamId();
        } else {
            p.errorStream = syn.streamId();
        }
        String port = syn.headers().getAsString("port");
        if (port != null) {
            p.port = port;
        }
        if (p.dataStream != null && p.errorStream != null) {
            pairs.remove(requestId);
            startLink(ctx.channel(), p);
        }
    }

    private void startLink(Channel ch, Pair p) {
        int port;
        try {
            port = Integer.parseInt(p.port);
        } catch (NumberFormatException e) {
            port = 0;
        }
        if (port < 1 || port > 65535) {
            fail(ch, p, "port forward to pod " + target.podSandboxId() + ": invalid port header \"" + p.port + "\"");
            return;
        }
        PodLink link = new PodLink(port, target.podSandboxId(), ch, new PodLink.ClientSide() {
            @Override
            public void fromPod(ByteBuf bytes) {
                ch.writeAndFlush(new DefaultSpdyDataFrame(p.dataStream, bytes));
            }

            @Override
            public void podClosed() {
                linkByDataStream.remove(p.dataStream);
                ch.write(SpdyStreams.fin(p.dataStream));
                ch.writeAndFlush(SpdyStreams.fin(p.errorStream));
            }

            @Override
            public void connectFailed(String message) {
                linkByDataStream.remove(p.dataStream);
                fail(ch, p, message);
            }
        });
        linkByDataStream.put(p.dataStream, link);
        link.start(connector);
    }

    private void fail(Channel ch, Pair p, String message) {
        LOG.log(Level.INFO, message);
        DefaultSpdyDataFrame error = new DefaultSpdyDataFrame(p.errorStream,
                Unpooled.copiedBuffer(message, StandardCharsets.UTF_8));
        error.setLast(true);
        ch.write(error);
        ch.writeAndFlush(SpdyStreams.fin(p.dataStream));
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        linkByDataStream.values().forEach(l -> l.clientWritable(ctx.channel().isWritable()));
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        linkByDataStream.values().forEach(PodLink::close);
        linkByDataStream.clear();
        connector.close();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(Level.DEBUG, "port forward to pod " + target.podSandboxId() + ": spdy: " + cause);
        ctx.close();
    }
}
