package io.gatehouse.pipeline;

import io.netty.util.AttributeKey;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * HTTP/1.x connections the gateway is closing after an answer because their framing is in doubt. Vert.x hands the
 * next pipelined request to the handler as soon as a response ends, before the close can happen: a request that
 * follows a refused one on such a connection (perhaps smuggled in its body) must never be served.
 */
final class ClosingConnections {
    private static final AttributeKey<Boolean> CLOSING = AttributeKey.valueOf("gatehouse.closing");

    private ClosingConnections() {
    }

    /** Marks the request's connection: nothing more is served on it. */
    static void mark(HttpServerRequest request) {
        if (request.connection() instanceof ConnectionBase connection) {
            connection.channel().attr(CLOSING).set(Boolean.TRUE);
        }
    }

    /** Whether the request arrived on a connection being closed (then it is dropped unanswered). */
    static boolean isClosing(HttpServerRequest request) {
        return request.connection() instanceof ConnectionBase connection
                && connection.channel().hasAttr(CLOSING);
    }
}
