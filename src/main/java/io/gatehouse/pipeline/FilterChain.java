package io.gatehouse.pipeline;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import org.jboss.logging.Logger;

/**
 * Walks an exchange's chain through the phases of {@link GatewayFilter}. No chain object per request: the position
 * is kept on the exchange (or on the phase's own object), and a phase that completes at once continues in the same
 * loop. A phase that waits continues from its future's completion, always on the request's own event loop
 * ({@link Exchange#resume}): this is the one place that decides it, so no filter needs to.
 */
public final class FilterChain {
    private static final Logger LOG = Logger.getLogger(FilterChain.class);
    static final GatewayFilter[] NONE = {};

    private FilterChain() {
    }

    /** The phases any filter of {@code chain} takes part in, as a bit set (computed when a config is compiled). */
    public static int phasesOf(GatewayFilter[] chain) {
        int mask = 0;
        for (GatewayFilter filter : chain) {
            for (GatewayFilter.Phase phase : filter.phases()) {
                mask |= phase.bit;
            }
        }
        return mask;
    }

    /** Whether any filter of the exchange's chain takes part in {@code phase}: when none does, skip it whole. */
    public static boolean runs(Exchange ex, GatewayFilter.Phase phase) {
        return (ex.phases & phase.bit) != 0;
    }

    /**
     * The request phase, from where the exchange stands to the end of its chain; then {@code next} (routing after
     * the global stage, the proxy after the route's filters). Stops when a filter answers or the client left.
     */
    public static void request(Exchange ex, Handler<Exchange> next) {
        GatewayFilter[] chain = ex.chain;
        if (!runs(ex, GatewayFilter.Phase.REQUEST)) {
            ex.entered = chain.length; // entered all the same: their later phases run
            next.handle(ex);
            return;
        }
        while (ex.entered < chain.length) {
            GatewayFilter filter = chain[ex.entered++];
            RequestTrace.Step span = ex.trace() == null || filter.spanName() == null ? null
                    : ex.trace().phase(filter.spanName());
            Future<LocalReply> step;
            try {
                step = filter.onRequest(ex);
            } catch (RuntimeException e) {
                step = Future.failedFuture(e);
            }
            if (!step.isComplete()) {
                step.onComplete(ar -> ex.resume(() -> {
                    endSpan(span, ar.cause(), ar.result());
                    if (goesOn(ex, filter, ar.cause(), ar.result())) {
                        request(ex, next);
                    }
                }));
                return;
            }
            endSpan(span, step.cause(), step.result());
            if (!goesOn(ex, filter, step.cause(), step.result())) {
                return;
            }
        }
        next.handle(ex);
    }

    private static void endSpan(RequestTrace.Step span, Throwable failure, LocalReply reply) {
        if (span != null) {
            span.end(failure != null ? 500 : reply != null ? reply.status() : 0,
                    failure != null ? failure.getClass().getName() : reply != null ? reply.errorCode() : null);
        }
    }

    private static boolean goesOn(Exchange ex, GatewayFilter filter, Throwable failure, LocalReply reply) {
        if (ex.isFinished() || ex.answering()) {
            return false; // the client left, or something answered meanwhile
        }
        if (failure != null) {
            LOG.errorf(failure, "request %s: the request phase of %s failed", ex.requestId(), filter.getClass().getName());
            ex.reply(LocalReply.error(500, "internal_error", "the gateway failed to handle the request"));
            return false;
        }
        if (reply != null) {
            ex.reply(reply);
            return false;
        }
        return true;
    }

    /**
     * The upstream-request phase of one attempt, in request order over the filters the request entered; then
     * {@code done} with null, or with the failure of a filter (the attempt is then abandoned).
     */
    public static void upstreamRequest(Exchange ex, UpstreamRequest request, Handler<Throwable> done) {
        GatewayFilter[] chain = ex.chain;
        if (!runs(ex, GatewayFilter.Phase.UPSTREAM_REQUEST)) {
            done.handle(null);
            return;
        }
        while (request.phase < ex.entered) {
            GatewayFilter filter = chain[request.phase++];
            Future<Void> step;
            try {
                step = filter.onUpstreamRequest(ex, request);
            } catch (RuntimeException e) {
                step = Future.failedFuture(e);
            }
            if (!step.isComplete()) {
                step.onComplete(ar -> ex.resume(() -> {
                    if (ar.failed()) {
                        done.handle(ar.cause());
                    } else if (ex.isFinished()) {
                        done.handle(null); // the client left: the proxy lets the attempt go (its counters too)
                    } else {
                        upstreamRequest(ex, request, done);
                    }
                }));
                return;
            }
            if (step.failed()) {
                done.handle(step.cause());
                return;
            }
        }
        done.handle(null);
    }

    /**
     * The upstream-response phase for an upstream's answer, in reverse order; then {@code done}. From here on the
     * exchange is answering: a late timeout or error no longer starts a second answer.
     */
    public static void upstreamResponse(Exchange ex, UpstreamResponse response, Runnable done) {
        ex.answering(true);
        if (!runs(ex, GatewayFilter.Phase.UPSTREAM_RESPONSE)) {
            done.run();
            return;
        }
        if (response.phase == 0) {
            response.phase = ex.entered;
        }
        walkUpstreamResponse(ex, response, done);
    }

    private static void walkUpstreamResponse(Exchange ex, UpstreamResponse response, Runnable done) {
        GatewayFilter[] chain = ex.chain;
        while (response.phase > 0) {
            GatewayFilter filter = chain[--response.phase];
            Future<Void> step;
            try {
                step = filter.onUpstreamResponse(ex, response);
            } catch (RuntimeException e) {
                step = Future.failedFuture(e);
            }
            if (!step.isComplete()) {
                step.onComplete(ar -> ex.resume(() -> {
                    logFailure(ex, filter, "upstream-response", ar.cause());
                    if (ex.isFinished()) {
                        done.run(); // the client left: the proxy lets the attempt go (its counters too)
                    } else {
                        walkUpstreamResponse(ex, response, done);
                    }
                }));
                return;
            }
            logFailure(ex, filter, "upstream-response", step.cause());
        }
        done.run();
    }

    /** A failure the gateway made of the upstream exchange: upstream-response phase, then out as a local reply. */
    static void upstreamFailure(Exchange ex, LocalReply failure) {
        if (ex.answering() || ex.isFinished()) {
            ex.error(failure.errorCode());
            if (ex.response().headWritten() && !ex.response().ended() && !ex.response().closed()) {
                ex.cutOff(); // a status can no longer be sent
            }
            return;
        }
        ex.error(failure.errorCode());
        UpstreamResponse response = UpstreamResponse.failed(failure);
        upstreamResponse(ex, response, () -> sendLocal(ex, response.replacement() != null ? response.replacement()
                : failure, true));
    }

    /**
     * Sends a local reply through the response phase. {@code force}: the exchange is already answering and this is
     * its answer (a filter's replacement); otherwise the reply is dropped when another answer is under way.
     */
    public static void sendLocal(Exchange ex, LocalReply reply, boolean force) {
        if (ex.isFinished() || ex.response().ended() || ex.response().closed()) {
            ex.error(reply.errorCode());
            return;
        }
        if (ex.response().headWritten()) {
            ex.error(reply.errorCode());
            ex.cutOff(); // a status can no longer be sent
            return;
        }
        if (ex.answering() && !force) {
            return;
        }
        ex.answering(true);
        reply.writeHead(ex.response(), ex.requestId());
        response(ex, () -> ex.writeLocal(reply));
    }

    /**
     * The response phase, in reverse order over the filters the request entered; then {@code done}, which writes
     * the head (and a local reply's body). A filter that fails is logged and skipped: the client still gets its
     * answer.
     */
    public static void response(Exchange ex, Runnable done) {
        ex.answering(true);
        if (!runs(ex, GatewayFilter.Phase.RESPONSE)) {
            done.run();
            return;
        }
        ex.responsePhase = ex.entered;
        walkResponse(ex, done);
    }

    private static void walkResponse(Exchange ex, Runnable done) {
        GatewayFilter[] chain = ex.chain;
        while (ex.responsePhase > 0) {
            GatewayFilter filter = chain[--ex.responsePhase];
            Future<Void> step;
            try {
                step = filter.onResponse(ex);
            } catch (RuntimeException e) {
                step = Future.failedFuture(e);
            }
            if (!step.isComplete()) {
                step.onComplete(ar -> ex.resume(() -> {
                    logFailure(ex, filter, "response", ar.cause());
                    if (ex.isFinished()) {
                        done.run(); // the client left: what follows checks for it and lets go of what it holds
                    } else {
                        walkResponse(ex, done);
                    }
                }));
                return;
            }
            logFailure(ex, filter, "response", step.cause());
        }
        done.run();
    }

    /** The completion phase: once, in reverse order, every filter the request entered. */
    static void complete(Exchange ex) {
        GatewayFilter[] chain = ex.chain;
        if (!runs(ex, GatewayFilter.Phase.COMPLETE)) {
            return;
        }
        for (int i = ex.entered - 1; i >= 0; i--) {
            try {
                chain[i].onComplete(ex);
            } catch (RuntimeException e) {
                LOG.errorf(e, "request %s: the completion phase of %s failed", ex.requestId(), chain[i].getClass().getName());
            }
        }
    }

    private static void logFailure(Exchange ex, GatewayFilter filter, String phase, Throwable failure) {
        if (failure != null) {
            LOG.errorf(failure, "request %s: the %s phase of %s failed", ex.requestId(), phase, filter.getClass().getName());
        }
    }
}
