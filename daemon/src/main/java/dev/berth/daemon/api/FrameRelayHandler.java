package dev.berth.daemon.api;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.util.function.Consumer;

/** On an upgraded connection: hands each frame from the client on, and reports the client's departure. */
final class FrameRelayHandler extends SimpleChannelInboundHandler<ByteBuf> {
    private final Consumer<Frame> inbound;
    private final Runnable onClose;

    FrameRelayHandler(Consumer<Frame> inbound, Runnable onClose) {
        this.inbound = inbound;
        this.onClose = onClose;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
        inbound.accept(Frame.decode(msg));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        onClose.run();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
