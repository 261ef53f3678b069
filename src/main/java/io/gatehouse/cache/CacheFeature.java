package io.gatehouse.cache;

import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.RouteConfig;
import io.gatehouse.pipeline.FilterFactory;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles {@code cache} and each route's {@code cache} into {@link Caches}. The store and the running fills belong
 * to the process, not to a snapshot: a reload keeps every stored response (and resizes the store to a new
 * {@code max-bytes} in place).
 */
@Singleton
public class CacheFeature implements FilterFactory<Caches> {
    private final Vertx vertx;
    private final CacheMetrics metrics;
    private final Coalescer fills = new Coalescer();
    private volatile LocalCacheStore store;

    @Inject
    public CacheFeature(Vertx vertx, MeterRegistry global, Instance<PrometheusMeterRegistry> prometheus) {
        this(vertx, prometheus.isResolvable() ? prometheus.get() : global);
    }

    CacheFeature(Vertx vertx, MeterRegistry registry) {
        this.vertx = vertx;
        this.metrics = new CacheMetrics(registry, () -> store);
    }

    @Override
    public int order() {
        return ORDER_CACHE; // after authentication and rate limiting: a hit is still authorized, counted and logged
    }

    @Override
    public Caches build(GatehouseConfig config, Caches previous) {
        CacheSettings settings = CacheConfigExtension.of(config);
        Map<String, CacheFilter> routes = new HashMap<>();
        Map<String, List<String>> invalidate = new HashMap<>();
        for (RouteConfig route : config.routes()) {
            CacheSettings.Route options = CacheConfigExtension.of(route);
            if (options != null) {
                routes.put(route.id(), new CacheFilter(route.id(), options, settings, store(settings), fills,
                        metrics.forRoute(route.id()), vertx));
                if (!options.invalidate().isEmpty()) {
                    invalidate.put(route.id(), options.invalidate());
                }
            }
        }
        metrics.retainOnly(routes.keySet());
        LocalCacheStore current = store;
        return new Caches(Map.copyOf(routes),
                current == null ? null : new CacheInvalidation(current, Map.copyOf(invalidate)));
    }

    /** The process's store, made on first use and resized to the config's bound. */
    private synchronized LocalCacheStore store(CacheSettings settings) {
        if (store == null) {
            store = new LocalCacheStore(settings.maxBytes());
        } else {
            store.resize(settings.maxBytes());
        }
        return store;
    }

    int fillsInProgress() {
        return fills.size();
    }

    /** The store, or null while no route has ever cached. */
    LocalCacheStore store() {
        return store;
    }
}
