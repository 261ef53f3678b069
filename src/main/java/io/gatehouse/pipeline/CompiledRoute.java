package io.gatehouse.pipeline;

import io.gatehouse.config.RouteConfig;
import io.gatehouse.routing.PathPattern;
import io.gatehouse.routing.PathRewriter;
import io.gatehouse.upstream.Upstream;

/**
 * A route as the hot path needs it: everything parsed, looked up and allocated when the config was loaded.
 *
 * @param filters the route's whole chain: the global stage's filters first, then the route's own
 * @param index   the route's position in its snapshot (for per-route arrays that features keep)
 * @param phases  the phases any filter of the chain takes part in ({@link FilterChain#phasesOf})
 */
public record CompiledRoute(
        RouteConfig config,
        PathPattern pattern,
        PathRewriter rewriter,
        Upstream upstream,
        GatewayFilter[] filters,
        long timeoutMillis,
        int index,
        int phases) {

    public String id() {
        return config.id();
    }
}
