package io.gatehouse.cache;

import io.gatehouse.config.RouteConfig;
import io.gatehouse.pipeline.FilterSet;
import io.gatehouse.pipeline.GatewayFilter;

import java.util.Map;

/**
 * The cache feature compiled for one snapshot: each cached route's {@link CacheFilter}, and on routes that take
 * writes but cache nothing, the {@link CacheInvalidation} that drops what their writes change.
 */
record Caches(Map<String, GatewayFilter> routes) implements FilterSet {
    @Override
    public GatewayFilter forRoute(RouteConfig route) {
        return routes.get(route.id());
    }
}
