package io.gatehouse.pipeline;

import io.gatehouse.config.RouteConfig;
import io.gatehouse.observe.AuthMetrics;
import io.gatehouse.observe.RouteMetrics;
import io.gatehouse.routing.PathPattern;
import io.gatehouse.routing.PathRewriter;
import io.gatehouse.upstream.Upstream;

/**
 * A route as the hot path needs it: everything parsed, looked up and allocated when the config was loaded.
 *
 * @param authMetrics the authentication outcome counters, or null when the route has auth: none
 */
public record CompiledRoute(
        RouteConfig config,
        PathPattern pattern,
        PathRewriter rewriter,
        Upstream upstream,
        GatewayFilter[] filters,
        RouteMetrics metrics,
        AuthMetrics authMetrics,
        long timeoutMillis) {

    public String id() {
        return config.id();
    }
}
