package dev.berth.daemon.streaming;

import io.netty.bootstrap.Bootstrap;
import dev.berth.testing.Await;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyGoAwayFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdyVersion;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** A kubelet-protocol SPDY/3.1 client for the tests, as spdystream does it: streams named by headers. */
public final class SpdyTestClient implements AutoCloseable {
    private final Channel channel;
    private final Handler handler;
    private int nextStreamId = 1;

    private SpdyTestClient(Channel channel, Handler handler) {
        this.channel = channel;
        this.handler = handler;
    }

    /** The upgrade response: its status and negotiated protocol; the client is usable only after a 101. */
    public record Upgrade(int status, String protocol, SpdyTestClient client) { }

    public static Upgrade connect(EventLoopGroup group, String url, String protocol) throws Exception {
        URI uri = URI.create(url);
        Handler handler = new Handler();
        Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline().addLast("http", new HttpClientCodec())
                                .addLast("agg", new HttpObjectAggregator(65536))
                                .addLast(handler);
                    }
                })
                .connect(uri.getHost(), uri.getPort()).sync().channel();
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri.getRawPath()
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
        req.headers().set("Host", uri.getHost() + ":" + uri.getPort())
                .set("Connection", "Upgrade").set("Upgrade", "SPDY/3.1")
                .set("Content-Length", "0")
                .add(StreamRouter.PROTOCOL_HEADER, protocol);
        ch.writeAndFlush(req);
        FullHttpResponse res = handler.upgraded.get(10, TimeUnit.SECONDS);
        int status = res.status().code();
        String negotiated = res.headers().get(StreamRouter.PROTOCOL_HEADER);
        res.release();
        if (status != 101) {
            ch.close().sync();
            return new Upgrade(status, negotiated, null);
        }
        return new Upgrade(status, negotiated, new SpdyTestClient(ch, handler));
    }

    /** Opens a stream with these headers and waits for the server's reply; returns its id. */
    public int open(Map<String, String> headers) throws Exception {
        int id = nextStreamId;
        nextStreamId += 2;
        CompletableFuture<Boolean> replied = handler.replies.computeIfAbsent(id, k -> new CompletableFuture<>());
        DefaultSpdySynStreamFrame syn = new DefaultSpdySynStreamFrame(id, 0, (byte) 0);
        headers.forEach(syn.headers()::set);
        channel.writeAndFlush(syn);
        if (!replied.get(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("stream " + id + " " + headers + " was reset");
        }
        return id;
    }

    public void send(int streamId, String text, boolean last) {
        DefaultSpdyDataFrame f = new DefaultSpdyDataFrame(streamId,
                Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
        f.setLast(last);
        channel.writeAndFlush(f);
    }

    /** Waits for the server's FIN on the stream; what it sent on it. */
    public String awaitFin(int streamId) throws Exception {
        if (Await.eventually(() -> {
            synchronized (handler) {
                return handler.finished.contains(streamId);
            }
        }, 30_000)) {
            return text(streamId);
        }
        throw new AssertionError("no FIN on stream " + streamId + "; got " + text(streamId));
    }

    public String text(int streamId) {
        synchronized (handler) {
            ByteArrayOutputStream b = handler.data.get(streamId);
            return b == null ? "" : b.toString(StandardCharsets.UTF_8);
        }
    }

    /** Whether the server sent GOAWAY (waits a little for it) while the connection is still open. */
    public boolean goneAway() throws Exception {
        Await.eventually(() -> handler.goneAway, 5_000);
        return handler.goneAway && channel.isActive();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }

    private static final class Handler extends SimpleChannelInboundHandler<Object> {
        final CompletableFuture<FullHttpResponse> upgraded = new CompletableFuture<>();
        final Map<Integer, CompletableFuture<Boolean>> replies = new ConcurrentHashMap<>();
        final Map<Integer, ByteArrayOutputStream> data = new HashMap<>();
        final Set<Integer> finished = new HashSet<>();
        volatile boolean goneAway;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FullHttpResponse res) {
                if (res.status().code() == 101) {
                    ctx.pipeline().remove("agg");
                    ctx.pipeline().replace("http", "spdy", new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
                }
                upgraded.complete(res.retain());
            } else if (msg instanceof SpdySynReplyFrame reply) {
                CompletableFuture<Boolean> f = replies.computeIfAbsent(reply.streamId(), k -> new CompletableFuture<>());
                if (reply.headers().isEmpty()) {
                    // Netty then sends no header block, which Go's framer (kubectl, crictl) cannot parse.
                    f.completeExceptionally(new IllegalStateException("SYN_REPLY without headers"));
                } else {
                    f.complete(true);
                }
            } else if (msg instanceof SpdyRstStreamFrame rst) {
                replies.computeIfAbsent(rst.streamId(), k -> new CompletableFuture<>()).complete(false);
            } else if (msg instanceof SpdyGoAwayFrame) {
                goneAway = true;
            } else if (msg instanceof SpdyDataFrame f) {
                synchronized (this) {
                    data.computeIfAbsent(f.streamId(), k -> new ByteArrayOutputStream())
                            .writeBytes(ByteBufUtil.getBytes(f.content()));
                    if (f.isLast()) {
                        finished.add(f.streamId());
                    }
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            upgraded.completeExceptionally(new IllegalStateException("closed before the upgrade response"));
        }
    }
}
