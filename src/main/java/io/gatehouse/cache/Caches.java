package io.gatehouse.cache;

import io.gatehouse.config.RouteConfig;
import io.gatehouse.pipeline.FilterSet;
import io.gatehouse.pipeline.GatewayFilter;

import java.util.Map;

/** The cache feature compiled for one snapshot: each cached route's filter, and the invalidation every route gets. */
record Caches(Map<String, CacheFilter> routes, CacheInvalidation invalidation) implements FilterSet {
    @Override
    public GatewayFilter global() {
        return invalidation;
    }

    @Override
    public GatewayFilter forRoute(RouteConfig route) {
        return routes.get(route.id());
    }
}
