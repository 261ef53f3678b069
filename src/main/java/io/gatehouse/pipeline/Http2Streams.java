package io.gatehouse.pipeline;

import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Stream;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.ConnectionBase;

/** What Vert.x 4.5 does not tell of an HTTP/2 request, read from the Netty stream under it. */
final class Http2Streams {
    private Http2Streams() {
    }

    /**
     * Whether the client ended the stream with its HEADERS frame: a request without a body. Vert.x runs the
     * request handler before it delivers that end ({@code isEnded()} is still false then), so without this every
     * HTTP/2 request would look as if a body followed. Netty has already half-closed the stream by then.
     */
    static boolean endedWithHeaders(HttpServerRequest request) {
        if (!(request.connection() instanceof ConnectionBase connection)) {
            return false;
        }
        Http2ConnectionHandler handler = connection.channelHandlerContext().pipeline().get(Http2ConnectionHandler.class);
        if (handler == null) {
            return false;
        }
        Http2Stream stream = handler.connection().stream(request.streamId());
        if (stream == null || (stream.state() != Http2Stream.State.HALF_CLOSED_REMOTE
                && stream.state() != Http2Stream.State.CLOSED)) {
            return false;
        }
        // Stream 1 of an h2c upgrade is half-closed from the start, whatever the HTTP/1.1 request that did the upgrade
        // framed: while Vert.x' upgrade handler ("h2c") is in the pipeline, that request's body (chunked or not) may
        // still follow as DATA. Whether one does is what the HTTP/1 decoder saw in its head.
        if (request.streamId() != 1 || connection.channelHandlerContext().pipeline().get("h2c") == null) {
            return true;
        }
        return connection.channelHandlerContext().pipeline().get(StrictRequestDecoder.NAME)
                instanceof StrictRequestDecoder decoder && decoder.firstRequestBodiless();
    }
}
