package dev.berth.daemon.streaming;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyVersion;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The HTTP side of a streaming connection: finds the token's request ({@code /exec/T},
 * {@code /attach/T}, {@code /portforward/T}), negotiates WebSocket or SPDY and replaces itself (and the
 * HTTP codec) with the protocol's handler. A token is used up by the first request that names it.
 */
final class StreamRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
    static final String CODEC = "http-codec";
    static final String AGGREGATOR = "http-aggregator";
    static final String PROTOCOL_HEADER = "X-Stream-Protocol-Version";
    private static final System.Logger LOG = System.getLogger(StreamRouter.class.getName());
    private static final int MAX_WEBSOCKET_MESSAGE = 1024 * 1024;

    private final StreamTokens tokens;
    private final StreamingBackend backend;
    private final Transport transport;

    StreamRouter(StreamTokens tokens, StreamingBackend backend, Transport transport) {
        this.tokens = tokens;
        this.backend = backend;
        this.transport = transport;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        QueryStringDecoder uri = new QueryStringDecoder(req.uri());
        String[] parts = uri.path().split("/", -1);
        if (parts.length != 3 || !parts[0].isEmpty()) {
            respond(ctx, HttpResponseStatus.NOT_FOUND, "404 page not found");
            return;
        }
        if (!req.method().equals(HttpMethod.GET) && !req.method().equals(HttpMethod.POST)) {
            respond(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "method " + req.method() + " not allowed");
            return;
        }
        Optional<Object> request = tokens.consume(parts[2]);
        Object r = request.orElse(null);
        boolean matches = switch (parts[1]) {
            case "exec" -> r instanceof ExecTarget;
            case "attach" -> r instanceof AttachTarget;
            case "portforward" -> r instanceof PortForwardTarget;
            default -> false;
        };
        if (!matches) {
            LOG.log(Level.DEBUG, "streaming: refused " + uri.path().replace(parts[2], "<token>")
                    + (r == null ? ": unknown, used or expired token" : ": token of another kind"));
            respond(ctx, HttpResponseStatus.NOT_FOUND, "404 page not found");
            return;
        }
        String upgrade = req.headers().get(HttpHeaderNames.UPGRADE, "");
        boolean websocket = upgrade.equalsIgnoreCase("websocket");
        boolean spdy = upgrade.equalsIgnoreCase("SPDY/3.1");
        if (!websocket && !spdy) {
            respond(ctx, HttpResponseStatus.BAD_REQUEST, "unable to upgrade: missing upgrade headers in request");
            return;
        }
        if (r instanceof CommandTarget command) {
            if (websocket) {
                upgradeWebSocket(ctx, req, List.of(WebSocketCommandHandler.V5, WebSocketCommandHandler.V4), true,
                        protocol -> new WebSocketCommandHandler(command, backend, protocol));
            } else {
                upgradeSpdy(ctx, req, SpdyCommandHandler.PROTOCOL, () -> new SpdyCommandHandler(command, backend));
            }
        } else {
            PortForwardTarget forward = (PortForwardTarget) r;
            if (websocket) {
                List<Integer> ports = ports(uri);
                if (ports == null) {
                    respond(ctx, HttpResponseStatus.BAD_REQUEST,
                            "port forward to pod " + forward.podSandboxId() + ": query parameter \"port\" is "
                                    + "required, each a number from 1 to 65535");
                    return;
                }
                upgradeWebSocket(ctx, req, List.of("v4.channel.k8s.io", SpdyPortForwardHandler.PROTOCOL), false,
                        protocol -> new WebSocketPortForwardHandler(forward, backend, transport, ports));
            } else {
                upgradeSpdy(ctx, req, SpdyPortForwardHandler.PROTOCOL,
                        () -> new SpdyPortForwardHandler(forward, backend, transport));
            }
        }
    }

    /** The {@code ?port=} values, or null if there are none or one is not a port. */
    private static List<Integer> ports(QueryStringDecoder uri) {
        List<String> values = uri.parameters().getOrDefault("port", List.of());
        List<Integer> ports = new ArrayList<>();
        for (String v : values) {
            for (String one : v.split(",")) {
                try {
                    int p = Integer.parseInt(one.trim());
                    if (p < 1 || p > 65535) {
                        return null;
                    }
                    ports.add(p);
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }
        return ports.isEmpty() ? null : ports;
    }

    private interface HandlerForProtocol {
        ChannelHandler create(String protocol);
    }

    private void upgradeWebSocket(ChannelHandlerContext ctx, FullHttpRequest req, List<String> protocols,
                                  boolean protocolRequired, HandlerForProtocol handler) {
        List<String> offered = headerValues(req, HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL.toString());
        if (protocolRequired && offered.stream().noneMatch(protocols::contains)) {
            respond(ctx, HttpResponseStatus.FORBIDDEN, "unable to upgrade: requested protocol(s) " + offered
                    + " are not supported; supports " + protocols);
            return;
        }
        String url = "ws://" + req.headers().get(HttpHeaderNames.HOST, "localhost") + req.uri();
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(url,
                String.join(",", protocols), false, MAX_WEBSOCKET_MESSAGE).newHandshaker(req);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        ChannelPipeline p = ctx.pipeline();
        handshaker.handshake(ctx.channel(), req).addListener(f -> {
            if (!f.isSuccess()) {
                LOG.log(Level.DEBUG, "streaming: websocket handshake: " + f.cause());
                ctx.close();
                return;
            }
            String protocol = handshaker.selectedSubprotocol();
            p.addLast(new WebSocketFrameAggregator(MAX_WEBSOCKET_MESSAGE), handler.create(protocol));
            p.remove(this);
        });
    }

    private void upgradeSpdy(ChannelHandlerContext ctx, FullHttpRequest req, String protocol,
                             Supplier<ChannelHandler> handler) {
        List<String> offered = headerValues(req, PROTOCOL_HEADER);
        if (!offered.contains(protocol)) {
            respond(ctx, HttpResponseStatus.FORBIDDEN, "unable to upgrade: unable to negotiate protocol: client "
                    + "supports " + offered + ", server supports [" + protocol + "]");
            return;
        }
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.SWITCHING_PROTOCOLS);
        res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE)
                .set(HttpHeaderNames.UPGRADE, "SPDY/3.1")
                .set(PROTOCOL_HEADER, protocol);
        // On the event loop the response is encoded before writeAndFlush returns, so the HTTP codec can
        // go now; replace() hands any bytes it already read on to the SPDY codec.
        ctx.writeAndFlush(res);
        ChannelPipeline p = ctx.pipeline();
        p.remove(AGGREGATOR);
        p.replace(CODEC, "spdy-codec", new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
        p.replace(this, "spdy-" + protocol, handler.get());
    }

    /** All values of a header, comma-separated lists split. */
    private static List<String> headerValues(FullHttpRequest req, String name) {
        List<String> values = new ArrayList<>();
        for (String v : req.headers().getAll(name)) {
            for (String one : v.split(",")) {
                if (!one.isBlank()) {
                    values.add(one.trim());
                }
            }
        }
        return values;
    }

    private static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String text) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(text + "\n", StandardCharsets.UTF_8));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(Level.DEBUG, "streaming: " + cause);
        ctx.close();
    }
}
