package io.gatehouse.ratelimit;

import io.gatehouse.config.RouteConfig;
import io.gatehouse.pipeline.FilterSet;
import io.gatehouse.pipeline.GatewayFilter;

import java.util.Map;

/**
 * The rate-limit feature compiled for one snapshot: each policy's limiter (its counters), the global stage, and
 * the stage of each route that names policies.
 */
record RateLimits(RateLimitsConfig config, Map<String, PolicyLimiter> limiters, RateLimitGlobal globalStage,
                  Map<String, RateLimitStage> routes, TopKeys top) implements FilterSet {
    @Override
    public GatewayFilter global() {
        return globalStage;
    }

    @Override
    public GatewayFilter forRoute(RouteConfig route) {
        return routes.get(route.id());
    }
}
