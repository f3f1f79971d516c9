package dev.berth.daemon.streaming;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynReplyFrame;
import io.netty.handler.codec.spdy.DefaultSpdyWindowUpdateFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrame;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyStreamStatus;

/**
 * The server side of the SPDY session rules that Kubernetes clients (spdystream) rely on. Not Netty's
 * SpdySessionHandler: spdystream never sends WINDOW_UPDATE, so a sender that honours flow control stalls
 * after 64 KiB; this side sends updates for what it reads (for clients that do count) but never waits.
 */
final class SpdyStreams {
    static final String STREAM_TYPE = "streamtype";
    static final String STATUS = ":status";

    private SpdyStreams() {
    }

    /**
     * Accepts a client stream: spdystream's CreateStream waits for this reply. The reply carries a
     * header because Netty sends no header block at all for none, and Go's framer cannot parse that.
     */
    static void accept(ChannelHandlerContext ctx, int streamId) {
        DefaultSpdySynReplyFrame reply = new DefaultSpdySynReplyFrame(streamId);
        reply.headers().set(STATUS, "200");
        ctx.writeAndFlush(reply);
    }

    static void refuse(ChannelHandlerContext ctx, int streamId) {
        ctx.writeAndFlush(new DefaultSpdyRstStreamFrame(streamId, SpdyStreamStatus.REFUSED_STREAM));
    }

    /** Returns the window a data frame used, on its stream and on the session. */
    static void consumed(ChannelHandlerContext ctx, SpdyDataFrame data) {
        int n = data.content().readableBytes();
        if (n == 0) {
            return;
        }
        if (!data.isLast()) {
            ctx.write(new DefaultSpdyWindowUpdateFrame(data.streamId(), n));
        }
        ctx.writeAndFlush(new DefaultSpdyWindowUpdateFrame(0, n));
    }

    /** Answers the client's pings (odd ids); settings and window updates need nothing. */
    static void answerControl(ChannelHandlerContext ctx, SpdyFrame frame) {
        if (frame instanceof SpdyPingFrame ping && (ping.id() & 1) == 1) {
            ctx.writeAndFlush(ping);
        }
    }

    /** An empty last data frame: this side has nothing more to send on the stream. */
    static SpdyDataFrame fin(int streamId) {
        DefaultSpdyDataFrame f = new DefaultSpdyDataFrame(streamId, Unpooled.EMPTY_BUFFER);
        f.setLast(true);
        return f;
    }
}
