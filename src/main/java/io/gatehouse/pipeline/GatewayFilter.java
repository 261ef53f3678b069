package io.gatehouse.pipeline;

import io.gatehouse.config.RouteConfig;
import io.vertx.core.Future;

/**
 * One step of a route's filter chain: a CDI bean with a request half and a response half. The chain walks the
 * request halves in {@link #order()} order, then the proxy, then the response halves in reverse: an onion, with
 * no chain object allocated per request.
 *
 * <p>A filter that must wait (Redis, a key fetch) returns a future that completes later; it must never block
 * the event loop. A filter that answers the request itself (401, 429, a cache hit) calls
 * {@link Exchange#respondError} or writes the response and completes the future: the chain stops there.
 */
public interface GatewayFilter {
    /** Suggested positions, following DESIGN.md's request path. */
    int ORDER_GUARDS = 100;
    int ORDER_IP_RATE_LIMIT = 200;
    int ORDER_AUTHENTICATION = 300;
    int ORDER_AUTHORIZATION = 400;
    int ORDER_RATE_LIMIT = 500;
    int ORDER_CACHE = 600;
    int ORDER_TRANSFORM = 700;

    /** Lower runs earlier on the request and later on the response. */
    int order();

    /** Whether this route's chain includes the filter. Decided once per route when a config is loaded. */
    boolean appliesTo(RouteConfig route);

    /** The request half. */
    Future<Void> onRequest(Exchange exchange);

    /**
     * The response half: the upstream's status and headers are in {@link Exchange#response()} and can still be
     * changed; the body has not been sent yet.
     */
    default void onResponse(Exchange exchange) {
    }
}
