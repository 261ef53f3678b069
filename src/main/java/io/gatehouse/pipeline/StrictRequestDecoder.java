package io.gatehouse.pipeline;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.traffic.GlobalTrafficShapingHandler;
import io.netty.util.AsciiString;
import io.netty.util.AttributeKey;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.HttpServerImpl;
import io.vertx.core.http.impl.HttpUtils;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.net.impl.SslChannelProvider;

import java.util.List;
import java.util.function.BiConsumer;

/**
 * Vert.x' HTTP/1.x request decoder with chunk-size lines read as RFC 9112 §7.1 writes them. Netty (4.1.133) is strict
 * about line ends, signs, {@code 0x}, overflow and data longer than its size, but reads a size line leniently: it
 * skips leading white space and stops at the first white space or control character, so {@code " 5"},
 * {@code "5 5"}, {@code "5\t1"} and {@code "5\0" "0"} all frame 5 bytes, where another reader sees an error, 0x55 or
 * 0x50 (one dropping NUL). A disagreement on a chunk's size is a smuggling channel, so here such a line fails the
 * body exactly as Netty fails a size that is not hex: a failed last content, after which the decoder discards
 * everything; the gateway answers 400 and resets the upstream request if it had started ({@link Exchange#isFramingError}).
 *
 * <p>Cost: none on requests without a chunked body (one int compare per decode call, plus a header lookup on a head
 * that a body follows). Within a chunked body, one scan of each size line, which Netty scans too. It also refuses a
 * head with two Host fields, counted as Vert.x validates each field (a length compare per field), which spares the
 * list {@code getAll(Host)} allocated per request.
 *
 * <p>Installed in place of Vert.x' own decoder before it reads its first byte ({@link #server}): with h2c on, Vert.x
 * builds the HTTP/1 pipeline only once the first bytes are not the HTTP/2 preface, and shows the gateway the
 * connection only with its first request decoded, too late for that request's body.
 */
final class StrictRequestDecoder extends VertxHttpRequestDecoder {
    /** The name Vert.x gives its decoder (Vert.x' h2c upgrade and the gateway's handlers look it up). */
    static final String NAME = "httpDecoder";

    /** A chunk-size line RFC 9112 §7.1 does not allow. */
    static final class InvalidChunkSize extends DecoderException {
        private static final long serialVersionUID = 1L;

        InvalidChunkSize() {
            super("invalid chunk-size line");
        }
    }

    // Where Netty's decoder stands, mirrored from what it consumes and emits (its own state is private).
    /** Between messages, in a head or in a body that is not chunked: nothing to check. */
    private static final int OUTSIDE = 0;
    /** At a chunk-size line. */
    private static final int SIZE_LINE = 1;
    /** In a chunk's data or its CRLF: {@link #left} bytes until the next size line. */
    private static final int DATA = 2;
    /** After the last chunk: the trailer section, until the last content. */
    private static final int TRAILERS = 3;
    /** A size line was refused: everything is discarded, as Netty does after a framing error. */
    private static final int FAILED = 4;

    private int state = OUTSIDE;
    private long left;
    /** Whether the first request of the connection had no body (for an h2c upgrade: {@link Http2Streams}). */
    private int firstRequest; // 0: not decoded yet, 1: bodiless, 2: with a body (or not a request)

    /** The last request head decoded (whose body is being read, if it has one). */
    private HttpRequest lastHead;
    /** Host fields in the head being decoded (RFC 9112 §3.2: more than one is refused). */
    private int hosts;
    /**
     * Vert.x' header validation, counting Host fields on the way: every field of a head passes it as the decoder
     * adds it, so a second Host costs nothing to see (the gateway never adds fields to a client's request).
     */
    private final BiConsumer<CharSequence, CharSequence> validator = (name, value) -> {
        if (VALIDATE) {
            HttpUtils.validateHeader(name, value);
        }
        if (name.length() == 4 && AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.HOST)) {
            hosts++;
        }
    };
    private static final boolean VALIDATE = !io.vertx.core.http.HttpHeaders.DISABLE_HTTP_HEADERS_VALIDATION;

    /** A request head with more than one Host field. */
    static final class DuplicateHost extends DecoderException {
        private static final long serialVersionUID = 1L;

        DuplicateHost() {
            super("more than one Host header");
        }
    }

    /** The longest size line Netty reads (it refuses a longer one), with its CRLF. */
    private final int maxLine;

    StrictRequestDecoder(HttpServerOptions options) {
        super(options);
        this.maxLine = options.getMaxInitialLineLength() + 2;
    }

    /** As Vert.x' own, with the counting validator. */
    @Override
    protected HttpMessage createMessage(String[] initialLine) {
        hosts = 0;
        return new DefaultHttpRequest(HttpVersion.valueOf(initialLine[2]), HttpMethod.valueOf(initialLine[0]),
                initialLine[1], new HeadersMultiMap(validator));
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        int before = out.size();
        if (state == OUTSIDE) {
            super.decode(ctx, in, out);
            if (out.size() > before && out.get(before) instanceof HttpRequest request) {
                lastHead = request;
                // A head that a body follows is the only thing in its decode call's output (a bodiless one comes with
                // its empty last content). Whether the body is chunked is decided before a second Host fails the head:
                // Netty reads that body all the same, and its size lines are checked like any other's.
                boolean bodyFollows = out.size() == before + 1;
                boolean chunked = bodyFollows && request.decoderResult().isSuccess()
                        && HttpUtil.isTransferEncodingChunked(request);
                if (hosts > 1) {
                    hosts = 0;
                    if (request.decoderResult().isSuccess()) {
                        request.setDecoderResult(DecoderResult.failure(new DuplicateHost()));
                    }
                    if (upgrading(ctx)) {
                        closeUnanswered(ctx, in, out, before);
                        return;
                    }
                }
                if (chunked) {
                    state = SIZE_LINE;
                }
                if (firstRequest == 0) {
                    firstRequest = bodyFollows ? 2 : 1;
                }
            }
            return;
        }
        if (state == FAILED) {
            in.skipBytes(in.readableBytes());
            return;
        }
        int start = in.readerIndex();
        if (state == SIZE_LINE) {
            // no further than Netty reads a line before it refuses it as too long
            int lf = in.indexOf(start, (int) Math.min(in.writerIndex(), (long) start + maxLine), (byte) '\n');
            if (lf < 0) {
                super.decode(ctx, in, out); // waits for the rest of the line (or refuses one that is too long)
                failedIfRefused(ctx, in, out, before);
                return;
            }
            long size = chunkSize(in, start, lf);
            if (size < 0) {
                if (upgrading(ctx)) {
                    closeUnanswered(ctx, in, out, before);
                    return;
                }
                in.skipBytes(in.readableBytes());
                LastHttpContent failed = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
                failed.setDecoderResult(DecoderResult.failure(new InvalidChunkSize()));
                out.add(failed);
                failed(ctx);
                return;
            }
            if (size == 0) {
                state = TRAILERS;
            } else {
                state = DATA;
                left = (lf + 1 - start) + size + 2; // the line as Netty consumes it, the data, its CRLF
            }
        }
        super.decode(ctx, in, out);
        if (failedIfRefused(ctx, in, out, before)) {
            return;
        }
        if (state == DATA) {
            // Netty reads at most one size line, its data and their CRLF in one call: never past the next size line.
            left -= in.readerIndex() - start;
            if (left <= 0) {
                state = SIZE_LINE;
            }
        } else if (state == TRAILERS && out.size() > before && out.get(out.size() - 1) instanceof LastHttpContent) {
            state = OUTSIDE;
        }
    }

    /** Whether Netty refused the body itself (then it discards the rest, and so does this). */
    private boolean failedIfRefused(ChannelHandlerContext ctx, ByteBuf in, List<Object> out, int before) {
        for (int i = before; i < out.size(); i++) {
            if (out.get(i) instanceof LastHttpContent last && last.decoderResult().isFailure()) {
                if (upgrading(ctx)) {
                    closeUnanswered(ctx, in, out, before);
                } else {
                    failed(ctx);
                }
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the request being read asks for an h2c upgrade that Vert.x' upgrade handler ("h2c") will make: that
     * handler turns the request into HTTP/2 stream 1 without looking at its decoder result, and a failed end of body
     * into an ordinary end of stream, so a refusal passed on as usual would be served, its body cut short.
     */
    private boolean upgrading(ChannelHandlerContext ctx) {
        return lastHead != null && lastHead.headers().contains(HttpHeaderNames.UPGRADE) && ctx.pipeline().get("h2c") != null;
    }

    /** Nothing more of this connection passes on, and it is closed: stream 1, if made already, is reset, not ended. */
    private void closeUnanswered(ChannelHandlerContext ctx, ByteBuf in, List<Object> out, int before) {
        for (int i = out.size() - 1; i >= before; i--) {
            io.netty.util.ReferenceCountUtil.release(out.remove(i));
        }
        in.skipBytes(in.readableBytes());
        failed(ctx);
        ctx.close();
    }

    private void failed(ChannelHandlerContext ctx) {
        state = FAILED;
        ctx.channel().attr(BODY_FAILED).set(Boolean.TRUE);
    }

    private static final AttributeKey<Boolean> BODY_FAILED = AttributeKey.valueOf("gatehouse.body-failed");

    /**
     * Whether a request body on this connection broke its framing. Vert.x tells a request so only while it is the
     * one being answered: a request pipelined behind another gets the error while queued, where it is dropped, and
     * would then wait for a body that never comes. A request still reading its body on such a connection is the one
     * whose body broke (nothing after it is decoded).
     */
    static boolean bodyFailed(HttpServerRequest request) {
        return request.connection() instanceof ConnectionBase connection && connection.channel().hasAttr(BODY_FAILED);
    }

    @Override
    public void reset() {
        super.reset();
        state = OUTSIDE;
    }

    /** Whether the first request on this connection was decoded and had no body. */
    boolean firstRequestBodiless() {
        return firstRequest == 1;
    }

    /**
     * The size on a chunk-size line ({@code [start, lf)}, ending CRLF), or -1 when RFC 9112 §7.1 does not allow the
     * line: {@code chunk-size [ chunk-ext ] CRLF}, where {@code chunk-size = 1*HEXDIG} (at most Netty's int) and
     * {@code chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )}.
     */
    static long chunkSize(ByteBuf in, int start, int lf) {
        int end = lf - 1; // the CR
        if (end < start || in.getByte(end) != '\r') {
            return -1;
        }
        long size = 0;
        int p = start;
        for (; p < end; p++) {
            int digit = hexDigit(in.getByte(p));
            if (digit < 0) {
                break;
            }
            size = size * 16 + digit;
            if (size > Integer.MAX_VALUE) {
                return -1;
            }
        }
        if (p == start) {
            return -1;
        }
        while (p < end) {
            p = whiteSpace(in, p, end);
            if (p == end || in.getByte(p) != ';') {
                return -1; // white space not before ';', or anything else after the size
            }
            p = whiteSpace(in, p + 1, end);
            int q = token(in, p, end);
            if (q == p) {
                return -1;
            }
            p = q;
            int eq = whiteSpace(in, p, end);
            if (eq < end && in.getByte(eq) == '=') {
                p = whiteSpace(in, eq + 1, end);
                q = token(in, p, end);
                if (q == p) {
                    q = quotedString(in, p, end);
                    if (q < 0) {
                        return -1;
                    }
                }
                p = q;
            }
        }
        return size;
    }

    private static int hexDigit(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        return b >= 'A' && b <= 'F' ? b - 'A' + 10 : -1;
    }

    private static int whiteSpace(ByteBuf in, int p, int end) {
        while (p < end && (in.getByte(p) == ' ' || in.getByte(p) == '\t')) {
            p++;
        }
        return p;
    }

    /** The end of the token at {@code p} (RFC 9110 §5.6.2), {@code p} when there is none. */
    private static int token(ByteBuf in, int p, int end) {
        while (p < end && isTchar(in.getByte(p))) {
            p++;
        }
        return p;
    }

    private static boolean isTchar(byte b) {
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(b) >= 0;
    }

    /** The end of the quoted-string at {@code p} (RFC 9110 §5.6.4), or -1. */
    private static int quotedString(ByteBuf in, int p, int end) {
        if (p >= end || in.getByte(p) != '"') {
            return -1;
        }
        for (p++; p < end; p++) {
            int b = in.getByte(p) & 0xff;
            if (b == '"') {
                return p + 1;
            }
            if (b == '\\') {
                p++;
                if (p >= end) {
                    return -1;
                }
                b = in.getByte(p) & 0xff;
                if (b != '\t' && (b < 0x20 || b == 0x7f)) {
                    return -1;
                }
            } else if (b != '\t' && (b < 0x20 || b == 0x7f)) {
                return -1;
            }
        }
        return -1;
    }

    /**
     * Vert.x' HTTP server, with this decoder in every HTTP/1.x connection's pipeline from its first byte on. Vert.x
     * has no option for its decoder, so the server's per-connection setup (an internal hook, as
     * {@link HttpVersions} uses one) is followed by the swap: at once when Vert.x built the HTTP/1 pipeline as the
     * connection opened (h2c off), else by a handler that makes it as the first bytes pass (after h2c detection,
     * the TLS handshake or the PROXY header) and then leaves.
     */
    static HttpServer server(Vertx vertx, HttpServerOptions options) {
        if (!(vertx instanceof VertxInternal internal)) {
            return vertx.createHttpServer(options);
        }
        HttpServerOptions copy = new HttpServerOptions(options);
        return new HttpServerImpl(internal, options) {
            @Override
            protected BiConsumer<Channel, SslChannelProvider> childHandler(ContextInternal context, SocketAddress address,
                                                                          GlobalTrafficShapingHandler shaping) {
                BiConsumer<Channel, SslChannelProvider> vertxSetup = super.childHandler(context, address, shaping);
                return (channel, ssl) -> {
                    vertxSetup.accept(channel, ssl);
                    if (!swap(channel.pipeline(), copy)) {
                        channel.pipeline().addLast(new SwapOnFirstBytes(copy));
                    }
                };
            }
        };
    }

    /** Puts a strict decoder in place of Vert.x' one; whether there was an HTTP/1 decoder. */
    private static boolean swap(ChannelPipeline pipeline, HttpServerOptions options) {
        ChannelHandler current = pipeline.get(NAME);
        if (current == null) {
            return false;
        }
        if (!(current instanceof StrictRequestDecoder)) {
            // before it decoded anything: nothing of Vert.x' decoder's state is lost
            pipeline.replace(NAME, NAME, new StrictRequestDecoder(options));
            pipeline.channel().attr(STRICT).set(Boolean.TRUE);
        }
        return true;
    }

    private static final AttributeKey<Boolean> STRICT = AttributeKey.valueOf("gatehouse.strict-decoder");

    /**
     * Whether this HTTP/1 request was read by this decoder (which refuses a second Host as it reads the head), so the
     * request checks need not look for one again; false on a connection whose decoder was not replaced.
     */
    static boolean decodedStrictly(HttpServerRequest request) {
        return request.connection() instanceof ConnectionBase connection && connection.channel().hasAttr(STRICT);
    }

    /** Waits in the pipeline for the first bytes, by when Vert.x has added its decoder after this (or chosen HTTP/2). */
    private static final class SwapOnFirstBytes extends ChannelInboundHandlerAdapter {
        private final HttpServerOptions options;
        /** Moved to the pipeline's end once already (a second time would mean there is no HTTP/1 to swap). */
        private boolean moved;

        SwapOnFirstBytes(HttpServerOptions options) {
            this.options = options;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf)) {
                ctx.fireChannelRead(msg); // a PROXY header's message passes; the swap waits for the bytes after it
                return;
            }
            ChannelPipeline pipeline = ctx.pipeline();
            boolean swapped = swap(pipeline, options);
            // gone before the bytes go on: handling them may rebuild the pipeline (an h2c upgrade removes every
            // handler but its own); a removed handler's context still passes them to the next one
            pipeline.remove(this);
            if (!swapped && !moved && pipeline.get(io.netty.handler.codec.http2.Http2ConnectionHandler.class) == null) {
                // No HTTP/1 decoder yet: Vert.x built the rest of the pipeline after this handler (as it does once a
                // PROXY header is read: the h2c detector or the TLS handler comes next). It waits at the end again:
                // Vert.x adds every handler last, so the decoder that the h2c detector or the TLS handshake makes
                // comes after it, and the bytes they pass on meet it first.
                SwapOnFirstBytes again = new SwapOnFirstBytes(options);
                again.moved = true;
                pipeline.addLast(again);
            }
            ctx.fireChannelRead(msg);
        }
    }
}
