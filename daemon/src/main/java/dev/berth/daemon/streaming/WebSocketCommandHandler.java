package dev.berth.daemon.streaming;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
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
import java.io.IOException;
import java.lang.System.Logger.Level;

/**
 * Exec/attach over WebSocket, {@code v4.channel.k8s.io} and {@code v5.channel.k8s.io}: each binary
 * message starts with its channel byte (0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize); v5 adds
 * 255 + channel to close a stream, which for stdin ends the process's input.
 */
final class WebSocketCommandHandler extends SimpleChannelInboundHandler<WebSocketFrame>
        implements RemoteCommandSession.Client {
    static final String V4 = "v4.channel.k8s.io";
    static final String V5 = "v5.channel.k8s.io";
    private static final System.Logger LOG = System.getLogger(WebSocketCommandHandler.class.getName());
    private static final int STDIN = 0;
    private static final int STDOUT = 1;
    private static final int STDERR = 2;
    private static final int ERROR = 3;
    private static final int RESIZE = 4;
    private static final int CLOSE_STREAM = 255;

    private final CommandTarget target;
    private final StreamingBackend backend;
    private final boolean v5;
    private Channel channel;
    private WritableGate gate;
    private RemoteCommandSession session;

    WebSocketCommandHandler(CommandTarget target, StreamingBackend backend, String protocol) {
        this.target = target;
        this.backend = backend;
        this.v5 = V5.equals(protocol);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        gate = new WritableGate(channel);
        if (!channel.isActive()) {
            return; // the client left during the handshake: nothing to run
        }
        // kubelet's handshake: an empty message on the lowest channel the client reads tells it the
        // streams are ready.
        Streams s = target.streams();
        send(s.stdout() ? STDOUT : s.stderr() ? STDERR : ERROR, new byte[0]);
        session = new RemoteCommandSession(target, backend, this);
        session.start();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof BinaryWebSocketFrame) {
            onMessage(frame.content());
        } else if (frame instanceof PingWebSocketFrame) {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
        } else if (frame instanceof CloseWebSocketFrame) {
            ctx.writeAndFlush(new CloseWebSocketFrame(1000, "")).addListener(ChannelFutureListener.CLOSE);
        } else {
            LOG.log(Level.DEBUG, target.operation() + ": ignoring " + frame.getClass().getSimpleName());
        }
    }

    private void onMessage(ByteBuf msg) {
        if (!msg.isReadable()) {
            return;
        }
        int ch = msg.readUnsignedByte();
        byte[] data = ByteBufUtil.getBytes(msg);
        switch (ch) {
            case STDIN -> session.stdin(data);
            case RESIZE -> {
                try {
                    session.resize(TerminalSize.parse(data));
                } catch (IOException e) {
                    LOG.log(Level.DEBUG, target.operation() + ": bad resize message: " + e.getMessage());
                }
            }
            case CLOSE_STREAM -> {
                if (v5 && data.length == 1 && data[0] == STDIN) {
                    session.closeStdin();
                }
            }
            default -> LOG.log(Level.DEBUG, target.operation() + ": ignoring message on channel " + ch);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        gate.changed();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (session != null) {
            session.cancel();
        }
        gate.changed();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(Level.DEBUG, target.operation() + ": websocket: " + cause);
        ctx.close();
    }

    private void send(int ch, byte[] data) {
        channel.writeAndFlush(new BinaryWebSocketFrame(
                Unpooled.wrappedBuffer(new byte[] {(byte) ch}, data)));
    }

    @Override
    public void stdout(byte[] data) {
        send(STDOUT, data);
    }

    @Override
    public void stderr(byte[] data) {
        send(STDERR, data);
    }

    @Override
    public void finish(byte[] status) {
        send(ERROR, status);
        channel.writeAndFlush(new CloseWebSocketFrame(1000, "")).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void awaitWritable() throws InterruptedException {
        gate.await();
    }

    @Override
    public void pauseInput(boolean paused) {
        channel.config().setAutoRead(!paused);
    }
}
