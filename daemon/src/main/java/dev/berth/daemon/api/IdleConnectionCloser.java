package dev.berth.daemon.api;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes an HTTP connection that has had no request in flight for {@code connection_idle_timeout}: an idle
 * keep-alive connection, or one whose client never finished sending a request's headers. A request is in
 * flight from its headers to the last byte of its response, so a long stream (logs -f, events, wait) or an
 * upgraded exec or attach connection is never cut, however quiet. Sits right after the HTTP codec; runs on
 * the event loop only, so its state needs no lock.
 */
final class IdleConnectionCloser extends ChannelDuplexHandler {
    private final long timeoutNanos;
    private final Runnable onClosed;
    private int inFlight;
    private ScheduledFuture<?> timer;

    /** @param onClosed counts each connection closed for being idle (the metric) */
    IdleConnectionCloser(Duration timeout, Runnable onClosed) {
        this.timeoutNanos = timeout.toNanos();
        this.onClosed = onClosed;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        arm(ctx);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            inFlight++;
            disarm();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        // "100 Continue" is an interim answer: the request goes on. Every other response ends with a LastHttpContent
        // (a full response is one).
        boolean interim = msg instanceof HttpResponse r && r.status().equals(HttpResponseStatus.CONTINUE);
        if (msg instanceof LastHttpContent && !interim) {
            ChannelPromise written = promise.unvoid();
            written.addListener(done -> {
                inFlight = Math.max(0, inFlight - 1);
                if (inFlight == 0) {
                    arm(ctx);
                }
            });
            ctx.write(msg, written);
            return;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        disarm();
        ctx.fireChannelInactive();
    }

    private void arm(ChannelHandlerContext ctx) {
        disarm();
        timer = ctx.executor().schedule(() -> {
            if (inFlight == 0 && ctx.channel().isActive()) {
                onClosed.run();
                ctx.close();
            }
        }, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void disarm() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
