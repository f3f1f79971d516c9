package dev.berth.daemon.api;

import dev.berth.oci.BerthException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.berth.oci.json.OciJson;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** One request and its response: JSON answers, chunked frame streams, and the upgrade to raw frames. */
public final class Exchange {
    static final String UPGRADE_PROTOCOL = "berth-stream";
    private static final int MAX_FRAME = 1024 * 1024;
    private static final String SWITCHING = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: "
            + UPGRADE_PROTOCOL + "\r\n\r\n";

    private final ChannelHandlerContext ctx;
    private final FullHttpRequest request;
    private final QueryStringDecoder query;
    private final boolean keepAlive;
    private int status;

    Exchange(ChannelHandlerContext ctx, FullHttpRequest request) {
        this.ctx = ctx;
        this.request = request;
        this.query = new QueryStringDecoder(request.uri());
        this.keepAlive = HttpUtil.isKeepAlive(request);
    }

    public String method() {
        return request.method().name();
    }

    public String path() {
        return query.path();
    }

    public String query(String name) {
        List<String> values = query.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    public boolean flag(String name) {
        String v = query(name);
        return v != null && (v.isEmpty() || v.equals("1") || v.equalsIgnoreCase("true"));
    }

    public Integer intQuery(String name) {
        String v = query(name);
        if (v == null) {
            return null;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw BerthException.invalid("query parameter " + name + " must be an integer, not '" + v + "'");
        }
    }

    public <T> T body(Class<T> type) {
        byte[] bytes = new byte[request.content().readableBytes()];
        request.content().getBytes(request.content().readerIndex(), bytes);
        if (bytes.length == 0) {
            throw BerthException.invalid(method() + " " + path() + ": a JSON body is required");
        }
        try {
            return OciJson.mapper().readValue(bytes, type);
        } catch (MismatchedInputException e) {
            // Jackson's own message names Java types and Berth's classes: the client gets the field instead.
            throw BerthException.invalid(method() + " " + path() + ": malformed JSON body: field " + field(e)
                    + " does not take that value");
        } catch (JsonProcessingException e) {
            // Malformed JSON, or a number too large for its field (then the path names the field).
            String field = e instanceof JsonMappingException m && !m.getPath().isEmpty() ? " (field " + field(m) + ")"
                    : "";
            throw BerthException.invalid(method() + " " + path() + ": malformed JSON body: "
                    + e.getOriginalMessage().lines().findFirst().orElse("") + locationOf(e) + field);
        } catch (IOException e) {
            throw BerthException.invalid(method() + " " + path() + ": malformed JSON body: " + e.getMessage());
        }
    }

    private static String field(JsonMappingException e) {
        StringBuilder out = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                out.append(out.length() == 0 ? "" : ".").append(ref.getFieldName());
            } else {
                out.append('[').append(ref.getIndex()).append(']');
            }
        }
        return out.length() == 0 ? "(the body)" : out.toString();
    }

    private static String locationOf(JsonProcessingException e) {
        return e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                + e.getLocation().getColumnNr();
    }

    public void json(HttpResponseStatus status, Object value) {
        byte[] body;
        try {
            body = OciJson.mapper().writeValueAsBytes(value);
        } catch (IOException e) {
            throw BerthException.internal("encode response of " + path(), e);
        }
        send(status, body);
    }

    public void noContent() {
        send(HttpResponseStatus.NO_CONTENT, new byte[0]);
    }

    void error(HttpResponseStatus status, String message) {
        json(status, Map.of("message", message));
    }

    /** The status answered so far (0 before any), for the request metrics. */
    int status() {
        return status;
    }

    private void send(HttpResponseStatus status, byte[] body) {
        this.status = status.code();
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body));
        if (body.length > 0) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        }
        HttpUtil.setContentLength(response, body.length);
        HttpUtil.setKeepAlive(response, keepAlive);
        ChannelFuture f = ctx.writeAndFlush(response);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Starts a chunked response whose body is a sequence of frames (docs/api.md). */
    public FrameWriter startFrameStream() {
        startChunked("application/vnd.berth.frames");
        return new FrameWriter(ctx, true);
    }

    /** Starts a chunked response of JSON objects, one per line; each {@link #jsonLine} sends one. */
    public void startJsonLines() {
        startChunked("application/x-ndjson");
    }

    public void jsonLine(Object value) {
        try {
            byte[] line = OciJson.mapper().writeValueAsBytes(value);
            ctx.channel().writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(line, new byte[] {'\n'})));
        } catch (IOException e) {
            throw BerthException.internal("encode response of " + path(), e);
        }
    }

    /** Runs {@code action} on this connection's event loop after {@code delay}. */
    public void later(Duration delay, Runnable action) {
        ctx.executor().schedule(action, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Runs {@code action} once the client's connection is closed (at once if it already is). */
    public void onClose(Runnable action) {
        ctx.channel().closeFuture().addListener(done -> action.run());
    }

    public void endJsonLines() {
        ctx.channel().writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    }

    private void startChunked(String contentType) {
        status = HttpResponseStatus.OK.code();
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        HttpUtil.setTransferEncodingChunked(response, true);
        ctx.writeAndFlush(response);
    }

    /**
     * Answers 101 and turns the connection into a raw two-way frame stream. Frames from the client go to
     * {@code inbound}; {@code onClose} runs when the client goes away.
     */
    public FrameWriter upgrade(Consumer<Frame> inbound, Runnable onClose) {
        String upgrade = request.headers().get(HttpHeaderNames.UPGRADE);
        if (upgrade == null || !upgrade.equalsIgnoreCase(UPGRADE_PROTOCOL)) {
            throw BerthException.invalid(path() + " needs 'Connection: Upgrade' and 'Upgrade: "
                    + UPGRADE_PROTOCOL + "'");
        }
        status = HttpResponseStatus.SWITCHING_PROTOCOLS.code();
        ChannelPipeline pipeline = ctx.pipeline();
        io.netty.util.concurrent.EventExecutor relayExecutor = ctx.executor();
        // Swap the HTTP codec for the frame decoder on the event loop, before the 101 goes out, so no
        // frame the client sends after reading the 101 can reach the HTTP decoder.
        ctx.channel().eventLoop().submit(() -> {
            pipeline.addAfter(ApiServer.CODEC, "frame-decoder",
                    new LengthFieldBasedFrameDecoder(MAX_FRAME + Frame.HEADER, 4, 4, 0, 0));
            pipeline.addAfter(relayExecutor, "frame-decoder", "frame-relay", new FrameRelayHandler(inbound, onClose));
            pipeline.remove(ApiServer.AGGREGATOR);
            pipeline.remove(ApiServer.CODEC);
            pipeline.remove(ApiServer.API);
            ctx.channel().writeAndFlush(Unpooled.copiedBuffer(SWITCHING, StandardCharsets.US_ASCII));
        }).syncUninterruptibly();
        return new FrameWriter(ctx, false);
    }

    /** Writes frames, as HTTP chunks on a chunked response or raw bytes on an upgraded connection. */
    public static final class FrameWriter {
        private final ChannelHandlerContext ctx;
        private final boolean chunked;

        FrameWriter(ChannelHandlerContext ctx, boolean chunked) {
            this.ctx = ctx;
            this.chunked = chunked;
        }

        public boolean isOpen() {
            return ctx.channel().isActive();
        }

        public void write(int stream, byte[] payload) {
            ByteBuf buf = Frame.encode(ctx.alloc(), stream, payload);
            ChannelFuture f = ctx.channel().writeAndFlush(chunked ? new DefaultHttpContent(buf) : buf);
            if (!ctx.channel().isWritable()) {
                f.awaitUninterruptibly();
            }
        }

        public void writeExit(int exitCode) {
            write(Frame.EXIT, Integer.toString(exitCode).getBytes(StandardCharsets.US_ASCII));
        }

        /** Ends the stream: the last chunk, or the connection for an upgraded one. */
        public void end() {
            if (chunked) {
                ctx.channel().writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            } else {
                ctx.channel().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }
    }
}
