package dev.berth.daemon.streaming;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Port forwarding over WebSocket, kubelet's form: for the i-th {@code ?port=} channel 2i carries data
 * and 2i+1 errors, and the server's first message on each is the port, two bytes little-endian. One
 * connection per port; the WebSocket closes when all of them have ended.
 */
final class WebSocketPortForwardHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
    private static final System.Logger LOG = System.getLogger(WebSocketPortForwardHandler.class.getName());

    private final PortForwardTarget target;
    private final StreamingBackend backend;
    private final Transport transport;
    private final List<Integer> ports;
    private final List<PodLink> links = new ArrayList<>();
    private PodConnector connector;
    private int open;

    WebSocketPortForwardHandler(PortForwardTarget target, StreamingBackend backend, Transport transport,
                                List<Integer> ports) {
        this.target = target;
        this.backend = backend;
        this.transport = transport;
        this.ports = ports;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        for (int i = 0; i < ports.size(); i++) {
            int port = ports.get(i);
            send(ch, 2 * i, portBytes(port));
            send(ch, 2 * i + 1, portBytes(port));
        }
        ch.flush();
        if (!ch.isActive()) {
            return;
        }
        connector = new PodConnector(target.podSandboxId(), backend, ch.eventLoop(), transport);
        open = ports.size();
        for (int i = 0; i < ports.size(); i++) {
            int dataChannel = 2 * i;
            PodLink link = new PodLink(ports.get(i), target.podSandboxId(), ch, new PodLink.ClientSide() {
                @Override
                public void fromPod(ByteBuf data) {
                    ch.writeAndFlush(new BinaryWebSocketFrame(
                            Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(new byte[] {(byte) dataChannel}), data)));
                }

                @Override
                public void podClosed() {
                    linkEnded(ch);
                }

                @Override
                public void connectFailed(String message) {
                    LOG.log(Level.INFO, message);
                    send(ch, dataChannel + 1, message.getBytes(StandardCharsets.UTF_8));
                    ch.flush();
                    linkEnded(ch);
                }
            });
            links.add(link);
            link.start(connector);
        }
    }

    private static byte[] portBytes(int port) {
        return new byte[] {(byte) port, (byte) (port >> 8)};
    }

    private static void send(Channel ch, int channel, byte[] data) {
        ch.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {(byte) channel}, data)));
    }

    private void linkEnded(Channel ch) {
        if (--open == 0) {
            ch.writeAndFlush(new CloseWebSocketFrame(1000, "")).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof BinaryWebSocketFrame) {
            ByteBuf msg = frame.content();
            if (!msg.isReadable()) {
                return;
            }
            int ch = msg.readUnsignedByte();
            // Odd channels are the error streams, which only the server writes.
            if (ch % 2 == 0 && ch / 2 < links.size() && msg.isReadable()) {
                links.get(ch / 2).fromClient(msg.retain());
            }
        } else if (frame instanceof PingWebSocketFrame) {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
        } else if (frame instanceof CloseWebSocketFrame) {
            ctx.writeAndFlush(new CloseWebSocketFrame(1000, "")).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        links.forEach(l -> l.clientWritable(ctx.channel().isWritable()));
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        links.forEach(PodLink::close);
        if (connector != null) {
            connector.close();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(Level.DEBUG, "port forward to pod " + target.podSandboxId() + ": websocket: " + cause);
        ctx.close();
    }
}
