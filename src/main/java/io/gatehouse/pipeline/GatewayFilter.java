package io.gatehouse.pipeline;

import io.vertx.core.Future;

/**
 * One filter instance in a chain: compiled once per route (or once for the global stage) by its feature's
 * {@link FilterFactory}, immutable, shared by every request on that route. Each request walks the chain through
 * named phases, in this order (the onion of DESIGN.md):
 *
 * <ol>
 * <li>{@link #onRequest request}: global filters first (before routing, for every request), then the route's. A
 * filter may answer locally by returning a {@link LocalReply}; the chain then stops going in.</li>
 * <li>{@link #onUpstreamRequest upstream request}: once per attempt (retries included), in request order, to edit
 * the method, URI and headers of what goes upstream.</li>
 * <li>{@link #onUpstreamResponse upstream response}: in reverse order, with the upstream's status, headers and body
 * (to pass on, transform, or read into a bounded buffer), or with the failure the gateway made of the attempt
 * (connect error, timeout, open circuit, no healthy target), which a filter may replace with its own answer.</li>
 * <li>{@link #onResponse response}: in reverse order, the last word on the status and headers of every answer the
 * client gets: proxied, a filter's local reply, or an error the gateway made.</li>
 * <li>{@link #onComplete completion}: once per request, after the last byte went out, the client left, or the
 * upstream broke off; {@link Exchange#outcome()} says which.</li>
 * </ol>
 *
 * The upstream, response and completion phases run for the filters whose request phase ran (for global filters:
 * every request; see {@link Exchange#reply}). A phase that waits returns a future that completes later and never
 * blocks the event loop; the chain resumes on the request's own event loop whatever thread completes the future.
 * A failed future or a thrown exception in the request phase answers 500; in the other phases it is logged and the
 * chain goes on. Every phase has a default that does nothing, so a filter implements only what it needs.
 */
public interface GatewayFilter {
    /** The phases, for {@link #phases()}. */
    enum Phase {
        REQUEST, UPSTREAM_REQUEST, UPSTREAM_RESPONSE, RESPONSE, COMPLETE;

        final int bit = 1 << ordinal();
    }

    /**
     * The phases this filter takes part in: the chain skips a phase no filter of a route takes part in (no view
     * objects, no held body), which is most of them on most routes. Must name every phase whose method the filter
     * implements; {@code ArchitectureTest} checks that for every filter. Default: all.
     */
    default java.util.Set<Phase> phases() {
        return java.util.EnumSet.allOf(Phase.class);
    }

    /**
     * The name of the span that covers this filter's request phase when the request is traced ({@code authenticate},
     * {@code rate limit}, {@code cache lookup}), or null for none: most filters are too quick to be worth one.
     */
    default String spanName() {
        return null;
    }

    /**
     * Whether this filter answers CORS preflight requests itself (the Fetch standard's shape of one: {@code OPTIONS}
     * with {@code Origin} and {@code Access-Control-Request-Method}; {@link Exchange#isPreflight()}). A preflight on a
     * path whose routes do not take OPTIONS is routed by the method it asks about only when that route's chain holds
     * such a filter; otherwise it gets the 405 any other OPTIONS gets there. Such a filter answers every preflight
     * that reaches it: one it lets through is still answered 405, never forwarded. Default: false.
     */
    default boolean answersPreflights() {
        return false;
    }

    /** The request phase's "go on" (no local reply), completed and shared. */
    Future<LocalReply> CONTINUE = Future.succeededFuture();
    /** A phase done at once, completed and shared. */
    Future<Void> DONE = Future.succeededFuture();

    /** The request phase: {@link #CONTINUE}, or a {@link LocalReply} that answers the request here. */
    default Future<LocalReply> onRequest(Exchange exchange) {
        return CONTINUE;
    }

    /** Before each attempt is sent: the request the upstream gets, after the gateway's own header rules. */
    default Future<Void> onUpstreamRequest(Exchange exchange, UpstreamRequest request) {
        return DONE;
    }

    /** The upstream's answer (or the gateway's failure of the attempt), before the response phase. */
    default Future<Void> onUpstreamResponse(Exchange exchange, UpstreamResponse response) {
        return DONE;
    }

    /** The head of whatever answer goes to the client is in {@link Exchange#response()} and may still change. */
    default Future<Void> onResponse(Exchange exchange) {
        return DONE;
    }

    /** Once, at the very end: must not fail, must not wait (log lines, metrics, span ends). */
    default void onComplete(Exchange exchange) {
    }
}
