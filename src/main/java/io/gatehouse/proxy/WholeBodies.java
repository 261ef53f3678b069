package io.gatehouse.proxy;

import io.gatehouse.pipeline.Exchange;
import io.gatehouse.pipeline.UpstreamResponse;
import io.gatehouse.pipeline.WholeBody;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;

import java.util.List;

/**
 * Reads an upstream body whole into a bounded buffer for the filters that asked ({@link UpstreamResponse#bufferBody}),
 * then hands it to each of them in turn. Over the bound, reading stops: the body streams through untouched when
 * every such filter allows it, and the request fails otherwise.
 */
final class WholeBodies {
    /**
     * @param whole   the final body, when it fit
     * @param partial what was read before the bound was passed, when the body streams on untouched
     * @param tooLarge the body outgrew the bound and a filter does not let it stream
     * @param failure the upstream broke off, or a filter failed
     */
    record Result(Buffer whole, Buffer partial, boolean tooLarge, Throwable failure) {
    }

    private WholeBodies() {
    }

    static void read(Exchange ex, UpstreamResponse answer, HttpClientResponse from, UpstreamTimeouts.Watch watch,
                     Handler<Result> done) {
        if (watch.heldFailure != null) {
            done.handle(new Result(null, null, false, watch.heldFailure)); // it failed while the phases ran
            return;
        }
        long limit = answer.wholeBodyLimit();
        Buffer body = Buffer.buffer();
        boolean[] settled = {false};
        watch.holding = false; // the upstream is read now: its pauses count again
        from.handler(chunk -> {
            watch.received += chunk.length();
            if (settled[0]) {
                return;
            }
            body.appendBuffer(chunk);
            if (body.length() > limit) {
                settled[0] = true;
                from.pause();
                from.exceptionHandler(watch::held); // the relay that takes over must hear of a failure meanwhile
                boolean stream = answer.wholeBody().stream().allMatch(WholeBody::streamWhenOverBound);
                done.handle(stream ? new Result(null, body, false, null) : new Result(null, null, true, null));
            }
        });
        from.exceptionHandler(err -> {
            if (!settled[0]) {
                settled[0] = true;
                done.handle(new Result(null, null, false, err));
            }
        });
        from.endHandler(v -> {
            if (!settled[0]) {
                settled[0] = true;
                hand(answer.wholeBody(), 0, body, ex, done);
            }
        });
        from.resume();
    }

    private static void hand(List<WholeBody> handlers, int i, Buffer body, Exchange ex, Handler<Result> done) {
        if (i == handlers.size()) {
            done.handle(new Result(body, null, false, null));
            return;
        }
        Future<Buffer> next;
        try {
            next = handlers.get(i).onBody(body);
        } catch (RuntimeException e) {
            next = Future.failedFuture(e);
        }
        next.onComplete(ar -> ex.resume(() -> {
            if (ex.isFinished()) {
                done.handle(new Result(null, null, false, new IllegalStateException("the client left")));
            } else if (ar.failed()) {
                done.handle(new Result(null, null, false, ar.cause()));
            } else {
                hand(handlers, i + 1, ar.result() == null ? body : ar.result(), ex, done);
            }
        }));
    }
}
