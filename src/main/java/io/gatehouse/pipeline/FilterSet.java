package io.gatehouse.pipeline;

import io.gatehouse.config.RouteConfig;

/**
 * One feature's compiled state for one snapshot ({@link FilterFactory#build}): its filter for the global stage, its
 * filter for each route, and the shared state behind them (verifiers, stores, caches), owned by the feature.
 */
public interface FilterSet {
    /** The filter that runs on every request before routing, or null. */
    default GatewayFilter global() {
        return null;
    }

    /** The filter for one route of this snapshot, or null when the route does not use the feature. */
    default GatewayFilter forRoute(RouteConfig route) {
        return null;
    }

    /**
     * The snapshot this set belongs to was replaced, and the last request still running on it has ended: release
     * what {@code successor} (the set the next snapshot uses) did not take over. Not called when the next snapshot
     * kept this very set.
     */
    default void retire(FilterSet successor) {
    }
}
