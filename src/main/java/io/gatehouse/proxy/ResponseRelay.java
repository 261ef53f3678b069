package io.gatehouse.proxy;

import io.gatehouse.pipeline.BodyFilter;
import io.vertx.core.AsyncResult;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;

import java.util.List;

/**
 * Relays an upstream response body to the client with back-pressure: a full client write queue pauses the
 * upstream until it drains, so a body of any size passes in bounded memory. The filters' body steps
 * ({@link BodyFilter}), when there are any, see each chunk on the way.
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
     *
     * @param filters the body steps in the order filters added them, or null
     * @param watch   counts the bytes received, for the body-idle timeout
     * @param first   the start of the body, read already (by a whole-body read that passed its bound), or null
     */
    static void relay(HttpClientResponse from, HttpServerResponse to, List<BodyFilter> filters,
                      UpstreamTimeouts.Watch watch, Buffer first, Handler<Boolean> done) {
        boolean[] finished = {false};
        Handler<Void> resume = v -> from.resume();
        BodyFilter[] steps = filters == null ? null : filters.toArray(BodyFilter[]::new);
        if (first != null) {
            Buffer out = steps == null ? first : through(steps, 0, first);
            if (out != null && out.length() > 0) {
                to.write(out, NO_COMPLETION);
            }
        }
        from.handler((Buffer chunk) -> {
            watch.received += chunk.length();
            Buffer out = steps == null ? chunk : through(steps, 0, chunk);
            if (out != null && out.length() > 0) {
                to.write(out, NO_COMPLETION);
            }
            if (to.writeQueueFull()) {
                from.pause();
                to.drainHandler(resume);
            }
        });
        from.exceptionHandler(err -> {
            if (!finished[0]) {
                finished[0] = true;
                if (steps != null) {
                    for (BodyFilter step : steps) {
                        step.onAbort();
                    }
                }
                done.handle(false);
            }
        });
        from.endHandler(v -> {
            if (!finished[0]) {
                finished[0] = true;
                if (!to.ended() && !to.closed()) {
                    Buffer last = steps == null ? null : ends(steps);
                    if (last != null && last.length() > 0) {
                        to.end(last, NO_COMPLETION);
                    } else {
                        to.end(NO_COMPLETION);
                    }
                } else if (steps != null) {
                    for (BodyFilter step : steps) {
                        step.onAbort();
                    }
                }
                done.handle(true);
            }
        });
    }

    /** A chunk through steps[from..]: each step's output is the next one's input. */
    private static Buffer through(BodyFilter[] steps, int from, Buffer chunk) {
        Buffer out = chunk;
        for (int i = from; i < steps.length && out != null; i++) {
            out = steps[i].onChunk(out);
        }
        return out;
    }

    /** The end through every step: what each emits at its end passes through the steps after it. */
    private static Buffer ends(BodyFilter[] steps) {
        Buffer tail = null;
        for (int i = 0; i < steps.length; i++) {
            Buffer passed = tail == null ? null : steps[i].onChunk(tail);
            Buffer own = steps[i].onEnd();
            tail = passed == null ? own : own == null ? passed : passed.copy().appendBuffer(own);
        }
        return tail;
    }
}
