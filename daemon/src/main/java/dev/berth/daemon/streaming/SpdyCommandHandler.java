package dev.berth.daemon.streaming;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyGoAwayFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrame;
import io.netty.handler.codec.spdy.SpdyGoAwayFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Exec/attach over SPDY/3.1, {@code v4.channel.k8s.io}: the client opens one stream per
 * {@code streamType} (error, stdin, stdout, stderr, resize); the session starts once all the request's
 * streams are there. Stdin's half-close ends the process's input; resize carries one JSON object a line.
 */
final class SpdyCommandHandler extends SimpleChannelInboundHandler<SpdyFrame>
        implements RemoteCommandSession.Client {
    static final String PROTOCOL = "v4.channel.k8s.io";
    private static final System.Logger LOG = System.getLogger(SpdyCommandHandler.class.getName());
    /** kubelet's default stream creation timeout. */
    private static final long STREAMS_TIMEOUT_SECONDS = 30;
    /** How long a finished session waits for the client to close the connection. */
    private static final long CLOSE_GRACE_SECONDS = 10;

    private final CommandTarget target;
    private final StreamingBackend backend;
    private final Set<String> expected = new LinkedHashSet<>();
    private final Map<String, Integer> idByType = new HashMap<>();
    private final Map<Integer, String> typeById = new HashMap<>();
    private final ByteArrayOutputStream resizeLine = new ByteArrayOutputStream();
    /** Stdin that came before the last of the request's streams opened. */
    private final List<byte[]> earlyStdin = new ArrayList<>();
    private boolean earlyStdinClosed;
    private Channel channel;
    private WritableGate gate;
    private ScheduledFuture<?> streamsTimeout;
    private RemoteCommandSession session;

    SpdyCommandHandler(CommandTarget target, StreamingBackend backend) {
        this.target = target;
        this.backend = backend;
        Streams s = target.streams();
        expected.add("error");
        if (s.stdin()) {
            expected.add("stdin");
        }
        if (s.stdout()) {
            expected.add("stdout");
        }
        if (s.stderr()) {
            expected.add("stderr");
        }
        if (s.tty()) {
            expected.add("resize");
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        gate = new WritableGate(channel);
        streamsTimeout = ctx.executor().schedule(() -> {
            LOG.log(Level.WARNING, "streaming " + target.operation() + ": the client did not open the streams "
                    + expected + " within " + STREAMS_TIMEOUT_SECONDS + "s (has " + idByType.keySet() + ")");
            ctx.close();
        }, STREAMS_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, SpdyFrame frame) {
        if (frame instanceof SpdySynStreamFrame syn) {
            onNewStream(ctx, syn);
        } else if (frame instanceof SpdyDataFrame data) {
            onData(ctx, data);
        } else if (frame instanceof SpdyRstStreamFrame rst) {
            if ("stdin".equals(typeById.get(rst.streamId())) && session != null) {
                session.closeStdin();
            }
        } else if (frame instanceof SpdyGoAwayFrame) {
            ctx.close();
        } else {
            SpdyStreams.answerControl(ctx, frame);
        }
    }

    private void onNewStream(ChannelHandlerContext ctx, SpdySynStreamFrame syn) {
        String type = syn.headers().getAsString(SpdyStreams.STREAM_TYPE);
        if (type == null || !expected.contains(type) || idByType.containsKey(type)) {
            LOG.log(Level.DEBUG, target.operation() + ": refusing stream " + syn.streamId() + " of type " + type);
            SpdyStreams.refuse(ctx, syn.streamId());
            return;
        }
        SpdyStreams.accept(ctx, syn.streamId());
        idByType.put(type, syn.streamId());
        typeById.put(syn.streamId(), type);
        if (idByType.keySet().equals(expected) && session == null) {
            streamsTimeout.cancel(false);
            session = new RemoteCommandSession(target, backend, this);
            session.start();
            earlyStdin.forEach(session::stdin);
            earlyStdin.clear();
            if (earlyStdinClosed) {
                session.closeStdin();
            }
        }
    }

    private void onData(ChannelHandlerContext ctx, SpdyDataFrame data) {
        String type = typeById.get(data.streamId());
        SpdyStreams.consumed(ctx, data);
        if (type == null) {
            return;
        }
        if (type.equals("stdin")) {
            byte[] bytes = ByteBufUtil.getBytes(data.content());
            if (session == null) {
                earlyStdin.add(bytes);
                earlyStdinClosed |= data.isLast();
                return;
            }
            session.stdin(bytes);
            if (data.isLast()) {
                session.closeStdin();
            }
        } else if (type.equals("resize") && session != null) {
            readResizes(data.content());
        }
    }

    /** The client's json.Encoder ends every object with a newline. */
    private void readResizes(ByteBuf content) {
        while (content.isReadable()) {
            byte b = content.readByte();
            if (b != '\n') {
                resizeLine.write(b);
                continue;
            }
            try {
                session.resize(TerminalSize.parse(resizeLine.toByteArray()));
            } catch (IOException e) {
                LOG.log(Level.DEBUG, target.operation() + ": bad resize message: " + e.getMessage());
            }
            resizeLine.reset();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        gate.changed();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        streamsTimeout.cancel(false);
        if (session != null) {
            session.cancel();
        }
        gate.changed();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(Level.DEBUG, target.operation() + ": spdy: " + cause);
        ctx.close();
    }

    private void send(String type, byte[] data) {
        channel.writeAndFlush(new DefaultSpdyDataFrame(idByType.get(type), Unpooled.wrappedBuffer(data)));
    }

    @Override
    public void stdout(byte[] data) {
        send("stdout", data);
    }

    @Override
    public void stderr(byte[] data) {
        send("stderr", data);
    }

    @Override
    public void finish(byte[] status) {
        DefaultSpdyDataFrame error = new DefaultSpdyDataFrame(idByType.get("error"), Unpooled.wrappedBuffer(status));
        error.setLast(true);
        channel.write(error);
        for (String type : expected) {
            if (!type.equals("error")) {
                channel.write(SpdyStreams.fin(idByType.get(type)));
            }
        }
        channel.writeAndFlush(new DefaultSpdyGoAwayFrame(0));
        // The client closes once it has read everything. Closing first would race it: spdystream
        // discards frames it has queued but not yet handled when the connection ends.
        channel.eventLoop().schedule(() -> channel.close(), CLOSE_GRACE_SECONDS, TimeUnit.SECONDS);
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
