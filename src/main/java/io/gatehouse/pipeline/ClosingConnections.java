package io.gatehouse.pipeline;

import io.netty.util.AttributeKey;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Connections the gateway is closing: HTTP/1.x ones after an answer because their framing is in doubt, and, while
 * draining, HTTP/2 ones once told to go (GOAWAY). Vert.x hands the
 * next pipelined request to the handler as soon as a response ends, before the close can happen: a request that
 * follows a refused one on such a connection (perhaps smuggled in its body) must never be served.
 */
final class ClosingConnections {
    private static final AttributeKey<Boolean> CLOSING = AttributeKey.valueOf("gatehouse.closing");
    private static final AttributeKey<Boolean> REFUSED = AttributeKey.valueOf("gatehouse.refused");

    private ClosingConnections() {
    }

    /** Marks the request's connection: nothing more is served on it. */
    static void mark(HttpServerRequest request) {
        if (request.connection() instanceof ConnectionBase connection) {
            connection.channel().attr(CLOSING).set(Boolean.TRUE);
        }
    }

    /** Marks the request's connection; whether this call was the first to (so a GOAWAY goes out once). */
    static boolean markOnce(HttpServerRequest request) {
        return !(request.connection() instanceof ConnectionBase connection)
                || connection.channel().attr(CLOSING).setIfAbsent(Boolean.TRUE) == null;
    }

    /**
     * How long a connection answered with an error stays open before it is closed, while the client may still be
     * sending a body the gateway will not read. Closing a socket with unread data makes the kernel send a reset,
     * and a reset can destroy the answer before the client has read it (nginx's lingering close, shortened).
     */
    static final long LINGER_MILLIS = 300;

    /** Closes the request's connection after {@link #LINGER_MILLIS}, its answer written already. */
    static void closeSoon(HttpServerRequest request) {
        io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
        if (context == null) {
            request.connection().close();
            return;
        }
        long timer = context.owner().setTimer(LINGER_MILLIS, id -> request.connection().close());
        if (!request.isEnded()) {
            // Read and drop what still comes meanwhile: a paused request stops reading the socket, and unread data
            // at the close is what makes the kernel reset it. The body's end closes at once.
            request.exceptionHandler(err -> { });
            request.handler(chunk -> { });
            request.endHandler(v -> {
                context.owner().cancelTimer(timer);
                request.connection().close();
            });
            request.resume();
        }
    }

    /**
     * Marks a connection refused as it was seen (over {@code server.max-connections-per-ip}): Vert.x may show the
     * gateway an HTTP/1 connection only with its first request already decoded, and hands that request over even
     * after the close: nothing on a refused connection is served, whatever its protocol.
     */
    static void markRefused(io.vertx.core.http.HttpConnection connection) {
        if (connection instanceof ConnectionBase base) {
            base.channel().attr(REFUSED).set(Boolean.TRUE);
        }
    }

    /** Whether the request arrived on a connection refused as it opened. */
    static boolean isRefused(HttpServerRequest request) {
        return request.connection() instanceof ConnectionBase connection && connection.channel().hasAttr(REFUSED);
    }

    /** Whether the channel is marked closing. */
    static boolean isClosing(io.netty.channel.Channel channel) {
        return channel.hasAttr(CLOSING);
    }

    /** Whether the request arrived on a connection being closed (then it is dropped unanswered). */
    static boolean isClosing(HttpServerRequest request) {
        return request.connection() instanceof ConnectionBase connection
                && connection.channel().hasAttr(CLOSING);
    }
}
