package io.gatehouse.proxy;

import io.vertx.core.AsyncResult;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;

/**
 * Relays an upstream response body to the client with back-pressure: a full client write queue pauses the
 * upstream until it drains, so a body of any size passes in bounded memory.
 *
 * <p>Why not {@code pipeTo}: Vert.x's pipe asks for a completion promise on every write, and each promise is
 * a Netty listener notified after the flush. On the small responses that make up most API traffic, those
 * promises were a measurable share of the proxy's CPU (see bench/RESULTS.md). Writes here carry no promise; a
 * client that goes away is noticed by the exchange instead (its end handler resets the upstream request, which
 * fails the upstream response and so ends the relay with {@code false}).
 */
final class ResponseRelay {
    /** A write's outcome shows in the response (or its failure), so no write asks for its own. */
    static final Handler<AsyncResult<Void>> NO_COMPLETION = null;

    private ResponseRelay() {
    }

    /**
     * Starts relaying. {@code done} is called once: {@code true} when the upstream body ended and the client
     * response was ended with it, {@code false} when the upstream body failed (the client response is then left
     * open, never ended as if complete: the caller resets it).
     */
    static void relay(HttpClientResponse from, HttpServerResponse to, Handler<Boolean> done) {
        boolean[] finished = {false};
        Handler<Void> resume = v -> from.resume();
        from.handler((Buffer chunk) -> {
            to.write(chunk, NO_COMPLETION);
            if (to.writeQueueFull()) {
                from.pause();
                to.drainHandler(resume);
            }
        });
        from.exceptionHandler(err -> {
            if (!finished[0]) {
                finished[0] = true;
                done.handle(false);
            }
        });
        from.endHandler(v -> {
            if (!finished[0]) {
                finished[0] = true;
                if (!to.ended() && !to.closed()) {
                    to.end(NO_COMPLETION);
                }
                done.handle(true);
            }
        });
    }
}
