package io.gatehouse.pipeline;

import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * Answers for requests that never reach the gateway's handler, in the same JSON shape as every other error:
 * requests the HTTP decoder refused (a broken request line, an oversized line or header block, a bad header) and
 * requests the router refuses before routing (HTTP/1.1 without Host, a target that is not a path, such as
 * CONNECT's host:port). Vert.x' own answers for these are empty or plain text. They are counted by status
 * under the route label of requests that match no route.
 */
final class ProtocolErrors {
    private final GatewayState state;
    private final TrafficDrain drain;
    /** Null while tracing is off. */
    private final RequestTracer tracer;

    ProtocolErrors(GatewayState state, TrafficDrain drain, RequestTracer tracer) {
        this.state = state;
        this.drain = drain;
        this.tracer = tracer;
    }

    /**
     * For {@code HttpServer#invalidRequestHandler}: the connection is closed after the answer (whatever follows on
     * it cannot be framed).
     */
    void invalidRequest(HttpServerRequest request) {
        // before the answer: Vert.x hands a pipelined request to the handler as soon as this response ends
        ClosingConnections.mark(request);
        Throwable cause = request.decoderResult().cause();
        if (cause instanceof HttpVersions.Unsupported) {
            send(request, 505, "http_version_not_supported", "only HTTP/1.0, HTTP/1.1 and HTTP/2 are served", true);
        } else if (cause instanceof StrictRequestDecoder.DuplicateHost) {
            send(request, 400, "bad_request", "more than one Host header", true); // RFC 9112 §3.2
        } else if (cause instanceof TooLongHttpLineException) {
            send(request, 414, "uri_too_long", "the request line is longer than the gateway accepts", true);
        } else if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
            send(request, 431, "headers_too_large", "the request headers are larger than the gateway accepts", true);
        } else {
            send(request, 400, "bad_request", "the request is not valid HTTP", true);
        }
    }

    /** For the router's 400 and 404 failures, which happen before any route is tried. */
    void routerFailure(RoutingContext rc) {
        HttpServerRequest request = rc.request();
        HttpServerResponse response = rc.response();
        if (response.headWritten()) {
            response.reset();
            return;
        }
        if (request.method() == HttpMethod.CONNECT) {
            send(request, 405, "method_not_allowed", "the gateway does not open tunnels (CONNECT)");
        } else if (rc.statusCode() == 400 && request.version() != io.vertx.core.http.HttpVersion.HTTP_2
                && request.getHeader(HttpHeaders.HOST) == null) {
            send(request, 400, "bad_request", "an HTTP/1.1 request needs a Host header");
        } else {
            send(request, 400, "bad_request", "the request target must be a path starting with '/'");
        }
    }

    /** Through the global stage's response and completion phases, like every other answer. */
    private void send(HttpServerRequest request, int status, String code, String message) {
        send(request, status, code, message, false);
    }

    /** @param close whether the HTTP/1 connection closes once the answer is out (not before: a filter may wait) */
    private void send(HttpServerRequest request, int status, String code, String message, boolean close) {
        GatewaySnapshot snapshot = GatewaySnapshot.enterLive(state);
        Exchange ex = Exchange.malformed(request, snapshot);
        if (tracer != null) {
            tracer.start(ex);
        }
        drain.started(request);
        ex.onFinish(e -> {
            drain.ended(e.request());
            if (close && request.version() != io.vertx.core.http.HttpVersion.HTTP_2) {
                ClosingConnections.closeSoon(request); // after the answer's bytes, and a moment for the client to read them
            }
        });
        request.response().endHandler(v -> ex.finish());
        ex.reply(LocalReply.error(status, code, message));
    }
}
