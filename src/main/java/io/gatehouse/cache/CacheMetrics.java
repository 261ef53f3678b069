package io.gatehouse.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * {@code gatehouse_cache_lookups_total{route, result}} (hit, stale, miss, revalidate, bypass),
 * {@code gatehouse_cache_coalesced_total{route}}, {@code gatehouse_cache_store_errors_total},
 * {@code gatehouse_cache_invalidations_total} (successful unsafe
 * requests on any route, each dropping what it changed), and the
 * store's {@code gatehouse_cache_entries}, {@code gatehouse_cache_bytes}, {@code gatehouse_cache_evictions_total}.
 * Labels are route ids and fixed words: bounded. Each route's counters are found once, when its filter is built.
 */
final class CacheMetrics {
    static final String LOOKUPS = "gatehouse.cache.lookups";
    static final String COALESCED = "gatehouse.cache.coalesced";
    static final String INVALIDATIONS = "gatehouse.cache.invalidations";

    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, Route> routes = new ConcurrentHashMap<>();
    /** Successful unsafe requests, on any route, that dropped the stored responses of what they changed. */
    final Counter invalidations;
    /** Lookups and stores the redis store could not make (the request passed through meanwhile). */
    final Counter storeErrors;

    CacheMetrics(MeterRegistry registry, Supplier<CacheStore> store) {
        this.registry = registry;
        this.invalidations = Counter.builder(INVALIDATIONS)
                .description("Successful unsafe requests (any route) that dropped the stored responses of what they changed")
                .register(registry);
        // the local store's own figures; the redis store's size is Redis' own (NaN here)
        this.storeErrors = Counter.builder("gatehouse.cache.store.errors")
                .description("Cache lookups and stores the redis store could not make (those requests passed through)")
                .register(registry);
        Gauge.builder("gatehouse.cache.entries", () -> known(store.get() == null ? 0 : store.get().entries()))
                .description("Keys held by the response cache's store").register(registry);
        Gauge.builder("gatehouse.cache.bytes", () -> known(store.get() == null ? 0 : store.get().bytes()))
                .description("Bytes held by the response cache's local store (bodies and headers)")
                .baseUnit("bytes").register(registry);
        FunctionCounter.builder("gatehouse.cache.evictions", store,
                        s -> known(s.get() == null ? 0 : s.get().evictions()))
                .description("Entries the local store evicted to stay within cache.max-bytes").register(registry);
    }

    private static double known(long value) {
        return value < 0 ? Double.NaN : value;
    }

    /** One route's counters. */
    final class Route {
        final Counter hit;
        final Counter stale;
        final Counter miss;
        final Counter revalidate;
        final Counter bypass;
        final Counter coalesced;

        private Route(String route) {
            this.hit = lookup(route, "hit");
            this.stale = lookup(route, "stale");
            this.miss = lookup(route, "miss");
            this.revalidate = lookup(route, "revalidate");
            this.bypass = lookup(route, "bypass");
            this.coalesced = Counter.builder(COALESCED).tag("route", route)
                    .description("Requests that waited for another request's upstream fetch of the same key")
                    .register(registry);
        }

        private Counter lookup(String route, String result) {
            return Counter.builder(LOOKUPS).tag("route", route).tag("result", result)
                    .description("Response cache lookups by route and result").register(registry);
        }
    }

    Route forRoute(String route) {
        return routes.computeIfAbsent(route, Route::new);
    }

    /** Drops the counters of routes that no longer cache. */
    void retainOnly(Set<String> cachedRoutes) {
        routes.keySet().retainAll(cachedRoutes);
        registry.getMeters().stream()
                .filter(m -> m.getId().getName().startsWith("gatehouse.cache.") && m.getId().getTag("route") != null
                        && !cachedRoutes.contains(m.getId().getTag("route")))
                .map(Meter::getId)
                .toList()
                .forEach(registry::remove);
    }
}
