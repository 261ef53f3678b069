package io.gatehouse.pipeline;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Sits between Netty's request decoder and Vert.x on every HTTP/1.x connection of the traffic port. Netty parses any
 * {@code HTTP/x.y}; Vert.x then answers an empty 501 itself, or answers with the client's own version in the status
 * line ({@code HTTP/1.2 400}), which an HTTP/1.1 client cannot read. Here a later 1.x ({@code HTTP/1.2}) is served
 * as HTTP/1.1 (RFC 9110 §2.5), and any other version becomes a decoding failure, which the gateway answers 505 in its
 * JSON shape ({@link ProtocolErrors}) before closing the connection.
 */
final class HttpVersions extends ChannelInboundHandlerAdapter {
    static final String NAME = "gatehouse-http-version";

    /** Thrown into the decoder result of a request whose version is not served. */
    static final class Unsupported extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unsupported() {
            super("HTTP version not supported", null, false, false);
        }
    }

    private static final Unsupported UNSUPPORTED = new Unsupported();
    private static final HttpVersions INSTANCE = new HttpVersions();

    /** The server's connection handler: once per HTTP/1.x connection, before its first request is read. */
    static void install(HttpConnection connection) {
        if (connection instanceof ConnectionBase base) {
            ChannelHandlerContext vertx = base.channelHandlerContext();
            ChannelPipeline pipeline = vertx.pipeline();
            if (pipeline.get("httpDecoder") != null && pipeline.get(NAME) == null) {
                pipeline.addBefore(vertx.name(), NAME, INSTANCE);
            }
        }
    }

    @Override
    public boolean isSharable() {
        return true; // no state
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            HttpVersion version = request.protocolVersion();
            if (version != HttpVersion.HTTP_1_1 && version != HttpVersion.HTTP_1_0) {
                if (request.decoderResult().isSuccess() && (version.majorVersion() != 1 || version.minorVersion() < 1)) {
                    request.setDecoderResult(DecoderResult.failure(UNSUPPORTED));
                }
                // whatever the answer (a 400 for a request the decoder refused too), its status line says 1.1
                request.setProtocolVersion(HttpVersion.HTTP_1_1);
            } else if (version == HttpVersion.HTTP_1_0 && ctx.pipeline().get(Http10Close.NAME) == null) {
                ctx.pipeline().addAfter(NAME, Http10Close.NAME, new Http10Close());
            }
        }
        ctx.fireChannelRead(msg);
    }

    /**
     * On a connection that has sent an HTTP/1.0 request (HTTP/1.1 ones never get it): Vert.x writes
     * {@code Connection: keep-alive} on every response to an HTTP/1.0 keep-alive request, whatever the gateway set,
     * even on one it ends by closing the connection (a body without a length, an error while a body is unread, a
     * drain); the client then takes the close for a failure. A response on a connection marked closing says close.
     */
    static final class Http10Close extends io.netty.channel.ChannelOutboundHandlerAdapter {
        static final String NAME = "gatehouse-http10-close";

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise promise) {
            if (msg instanceof io.netty.handler.codec.http.HttpResponse response
                    && response.protocolVersion() == HttpVersion.HTTP_1_0 && ClosingConnections.isClosing(ctx.channel())) {
                response.headers().set(io.netty.handler.codec.http.HttpHeaderNames.CONNECTION,
                        io.netty.handler.codec.http.HttpHeaderValues.CLOSE);
            }
            ctx.write(msg, promise);
        }
    }
}
