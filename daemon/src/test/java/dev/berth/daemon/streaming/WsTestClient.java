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
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** A kubelet-protocol WebSocket client for the tests: channel-prefixed binary messages. */
public final class WsTestClient implements AutoCloseable {
    private final Channel channel;
    private final Handler handler;

    private WsTestClient(Channel channel, Handler handler) {
        this.channel = channel;
        this.handler = handler;
    }

    /** Connects and handshakes; fails with the server's status line if the upgrade is refused. */
    public static WsTestClient connect(EventLoopGroup group, String httpUrl, String subprotocol) throws Exception {
        URI uri = URI.create(httpUrl.replaceFirst("^http", "ws"));
        WebSocketClientHandshaker hs = WebSocketClientHandshakerFactory.newHandshaker(uri, WebSocketVersion.V13,
                subprotocol, false, new DefaultHttpHeaders(), 1024 * 1024);
        Handler handler = new Handler(hs);
        Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(65536),
                                new WebSocketFrameAggregator(1024 * 1024), handler);
                    }
                })
                .connect(uri.getHost(), uri.getPort()).sync().channel();
        WsTestClient client = new WsTestClient(ch, handler);
        try {
            handler.handshake.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            client.close();
            throw e.getCause() instanceof Exception cause ? cause : e;
        } catch (Exception e) {
            client.close();
            throw e;
        }
        return client;
    }

    public String protocol() {
        return handler.hs.actualSubprotocol();
    }

    public void send(int ch, byte[] data) {
        channel.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {(byte) ch}, data)));
    }

    public void send(int ch, String text) {
        send(ch, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Waits until the server closes; the bytes each channel got, without the channel bytes. */
    public Map<Integer, String> awaitClosed() throws Exception {
        channel.closeFuture().get(30, TimeUnit.SECONDS);
        return received();
    }

    public Map<Integer, String> received() {
        synchronized (handler) {
            Map<Integer, String> out = new HashMap<>();
            handler.byChannel.forEach((k, v) -> out.put(k, v.toString(StandardCharsets.UTF_8)));
            return out;
        }
    }

    /** Every message in arrival order, channel byte included. */
    public List<byte[]> messages() {
        synchronized (handler) {
            return new ArrayList<>(handler.messages);
        }
    }

    /** Waits until channel {@code ch} has received text containing {@code part}. */
    public String awaitText(int ch, String part) throws Exception {
        String s = Await.lastValue(() -> received().getOrDefault(ch, ""), got -> got.contains(part), 20_000);
        if (s.contains(part)) {
            return s;
        }
        throw new AssertionError("channel " + ch + " never got \"" + part + "\"; got " + received());
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }

    private static final class Handler extends SimpleChannelInboundHandler<Object> {
        final WebSocketClientHandshaker hs;
        final CompletableFuture<Void> handshake = new CompletableFuture<>();
        final Map<Integer, ByteArrayOutputStream> byChannel = new HashMap<>();
        final List<byte[]> messages = new ArrayList<>();

        Handler(WebSocketClientHandshaker hs) {
            this.hs = hs;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            hs.handshake(ctx.channel());
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (!hs.isHandshakeComplete()) {
                try {
                    hs.finishHandshake(ctx.channel(), (FullHttpResponse) msg);
                    handshake.complete(null);
                } catch (WebSocketHandshakeException e) {
                    handshake.completeExceptionally(e);
                    ctx.close();
                }
                return;
            }
            if (msg instanceof BinaryWebSocketFrame f) {
                byte[] all = ByteBufUtil.getBytes(f.content());
                synchronized (this) {
                    messages.add(all);
                    byChannel.computeIfAbsent(all[0] & 0xff, k -> new ByteArrayOutputStream())
                            .write(all, 1, all.length - 1);
                }
            } else if (msg instanceof CloseWebSocketFrame) {
                ctx.close();
            } else if (msg instanceof WebSocketFrame) {
                throw new AssertionError("unexpected frame " + msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            handshake.completeExceptionally(new IllegalStateException("closed before the handshake"));
        }
    }
}
