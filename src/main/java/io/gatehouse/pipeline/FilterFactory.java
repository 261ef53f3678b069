package io.gatehouse.pipeline;

import io.gatehouse.config.GatehouseConfig;

/**
 * A feature's entry into the chain: a CDI bean that turns each config into the feature's {@link FilterSet} for one
 * snapshot. The compiler finds every factory bean; nothing in {@code pipeline/} names a feature.
 *
 * @param <S> the feature's compiled state
 */
public interface FilterFactory<S extends FilterSet> {
    /** Suggested positions, following DESIGN.md's request path. Lower runs earlier on the request. */
    int ORDER_OBSERVE = 100;
    /**
     * The headers of every answer (CORS on actual responses, {@code response-headers}, the security preset): early,
     * so its response phase runs late, after the filters that answer or set headers of their own.
     */
    int ORDER_RESPONSE_HEADERS = 150;
    int ORDER_EDGE = 200;
    /** CORS preflights: answered right after the edge's IP rules, before rate limits and authentication. */
    int ORDER_CORS = 250;
    int ORDER_GLOBAL_RATE_LIMIT = 300;
    int ORDER_AUTHENTICATION = 400;
    int ORDER_AUTHORIZATION = 500;
    int ORDER_RATE_LIMIT = 600;
    int ORDER_CACHE = 700;
    int ORDER_TRANSFORM = 800;

    /** Where this feature's filters sit in every chain (its global filter's place; its route filters' too by default). */
    int order();

    /**
     * Where this feature's route filters sit in each route's chain, when that differs from its global filter's
     * place: rate limiting counts every request globally before authentication, and per caller after it.
     */
    default int routeOrder() {
        return order();
    }

    /**
     * Compiles the feature for a new snapshot. Runs on reload, off the event loops. The config was validated
     * already (the feature's {@link io.gatehouse.config.ConfigExtension} refuses bad values with their key path); an
     * exception here still refuses the reload, and the running snapshot stays.
     *
     * @param previous what this factory built for the snapshot being replaced, or null: state worth keeping (keys,
     *                 counters, cached entries, route filters whose config did not change) is taken over from it
     */
    S build(GatehouseConfig config, S previous);
}
