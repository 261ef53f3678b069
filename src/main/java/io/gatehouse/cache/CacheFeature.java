package io.gatehouse.cache;

import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.RouteConfig;
import io.gatehouse.pipeline.FilterFactory;
import io.gatehouse.pipeline.GatewayFilter;
import io.gatehouse.pipeline.TrafficServer;
import io.gatehouse.redis.RedisLink;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles {@code cache} and each route's {@code cache} into {@link Caches}. The store and the running fills belong
 * to the process, not to a snapshot: a reload keeps every stored response (and resizes the store to a new
 * {@code max-bytes} in place).
 */
@Singleton
public class CacheFeature implements FilterFactory<Caches> {
    private final Vertx vertx;
    private final RedisLink redis;
    private final CacheMetrics metrics;
    private final Coalescer fills = new Coalescer();
    private final CacheBroadcast broadcast;
    private final CacheRefresher refresher;
    /** A background refresh that takes longer is given up (the stale entry stays until its window ends). */
    private static final long REFRESH_TIMEOUT_MILLIS = 60_000;
    private volatile CacheStore store;

    @Inject
    public CacheFeature(Vertx vertx, RedisLink redis, MeterRegistry global, Instance<PrometheusMeterRegistry> prometheus,
                        Instance<TrafficServer> traffic) {
        // looked up when a refresh runs: the traffic server itself depends on the chain this feature builds
        this(vertx, redis, prometheus.isResolvable() ? prometheus.get() : global,
                () -> traffic.isResolvable() ? traffic.get() : null);
    }

    CacheFeature(Vertx vertx, RedisLink redis, MeterRegistry registry, java.util.function.Supplier<TrafficServer> traffic) {
        this.vertx = vertx;
        this.redis = redis;
        this.refresher = new CacheRefresher(vertx, traffic, REFRESH_TIMEOUT_MILLIS);
        this.metrics = new CacheMetrics(registry, () -> store);
        this.broadcast = new CacheBroadcast(redis, () -> store);
    }

    @Override
    public int order() {
        return ORDER_CACHE; // after authentication and rate limiting: a hit is still authorized, counted and logged
    }

    @Override
    public Caches build(GatehouseConfig config, Caches previous) {
        CacheSettings settings = CacheConfigExtension.of(config);
        Map<String, GatewayFilter> routes = new HashMap<>();
        Set<String> cached = new HashSet<>();
        boolean anyCached = config.routes().stream().anyMatch(r -> CacheConfigExtension.of(r) != null);
        CacheStore store = anyCached ? store(settings) : this.store;
        if (anyCached) {
            broadcast.start(); // with a Redis configured, drops reach the other replicas' local stores
        }
        for (RouteConfig route : config.routes()) {
            CacheSettings.Route options = CacheConfigExtension.of(route);
            CacheInvalidation invalidation = store == null || !CacheInvalidation.takesWrites(route.methods()) ? null
                    : new CacheInvalidation(store, options == null ? List.of() : options.invalidate(), metrics.invalidations,
                    broadcast);
            if (options != null) {
                cached.add(route.id());
                routes.put(route.id(), new CacheFilter(route.id(), options, settings, store, fills,
                        metrics.forRoute(route.id()), vertx, invalidation, refresher));
            } else if (invalidation != null) {
                routes.put(route.id(), invalidation); // writes here may change what another route stored
            }
        }
        metrics.retainOnly(cached);
        return new Caches(Map.copyOf(routes));
    }

    /**
     * The process's store, made on first use: the local one resized to the config's bound, or the Redis one; a
     * reload that switches stores starts the new one empty (the old one's entries expire with it).
     */
    private synchronized CacheStore store(CacheSettings settings) {
        if (settings.store() == CacheSettings.Store.REDIS) {
            if (!(store instanceof RedisCacheStore)) {
                store = new RedisCacheStore(redis, metrics.storeErrors);
            }
        } else if (store instanceof LocalCacheStore local) {
            local.resize(settings.maxBytes());
        } else {
            store = new LocalCacheStore(settings.maxBytes());
        }
        return store;
    }

    CacheBroadcast broadcast() {
        return broadcast;
    }

    int fillsInProgress() {
        return fills.size();
    }

    /** The store, or null while no route has ever cached. */
    CacheStore store() {
        return store;
    }
}
