package io.gatehouse.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.vertx.core.Future;

import java.time.Duration;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/**
 * The {@code local} store: Caffeine, bounded in bytes ({@code cache.max-bytes}, by a weigher over body and headers),
 * each key expiring once none of its variants can answer any more, even stale. An index from URL to keys makes an
 * invalidation drop every key of a URL without a scan. Caffeine's maintenance runs on its executor, never on an event
 * loop.
 */
final class LocalCacheStore implements CacheStore {
    private final Cache<String, Variants> keys;
    /** URL → its keys (every caller's, every route vary value), for invalidation. */
    private final Map<String, Set<String>> byUrl = new ConcurrentHashMap<>();
    private final LongAdder evictions = new LongAdder();
    /** When each URL was last invalidated, for a while: a response fetched before that is not stored after it. */
    private final Cache<String, Long> invalidated = Caffeine.newBuilder()
            .maximumSize(100_000).expireAfterWrite(Duration.ofMinutes(10)).executor(Runnable::run).build();

    LocalCacheStore(long maxBytes) {
        this.keys = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((String k, Variants v) -> v.weight())
                .expireAfter(new Expiry<String, Variants>() {
                    @Override
                    public long expireAfterCreate(String key, Variants value, long currentTime) {
                        return untilUseless(value);
                    }

                    @Override
                    public long expireAfterUpdate(String key, Variants value, long currentTime, long currentDuration) {
                        return untilUseless(value);
                    }

                    @Override
                    public long expireAfterRead(String key, Variants value, long currentTime, long currentDuration) {
                        return currentDuration;
                    }
                })
                .removalListener((String key, Variants value, RemovalCause cause) -> {
                    if (cause == RemovalCause.SIZE) {
                        evictions.increment();
                    }
                    if (key != null && value != null && cause != RemovalCause.REPLACED) {
                        String url = value.responses().get(0).url();
                        byUrl.computeIfPresent(url, (u, set) -> {
                            // this listener runs later, on Caffeine's executor: a key stored again meanwhile stays
                            if (!holds(key)) {
                                set.remove(key);
                            }
                            return set.isEmpty() ? null : set;
                        });
                    }
                })
                .build();
    }

    private boolean holds(String key) {
        return keys.asMap().containsKey(key);
    }

    private static long untilUseless(Variants v) {
        return TimeUnit.MILLISECONDS.toNanos(Math.max(1, v.usefulUntil() - System.currentTimeMillis()));
    }

    @Override
    public Future<Variants> get(String key, io.vertx.core.MultiMap requestHeaders) {
        return Future.succeededFuture(keys.getIfPresent(key));
    }

    /** The same, without a future: the request phase answers a hit at once. */
    Variants getNow(String key) {
        return keys.getIfPresent(key);
    }

    @Override
    public void put(String key, CachedResponse response, long requestedMillis) {
        Long invalidatedAt = invalidated.getIfPresent(response.url());
        // strictly later: a read that starts in the very millisecond its write was answered is the client's next read
        if (invalidatedAt != null && invalidatedAt > requestedMillis) {
            return; // a write invalidated this URL while the request that fetched it was on its way
        }
        keys.asMap().compute(key, (k, old) -> {
            // indexed inside the compute: a removal listener that looks at the map sees this key held
            byUrl.computeIfAbsent(response.url(), u -> ConcurrentHashMap.newKeySet()).add(key);
            return old == null ? new Variants(java.util.List.of(response)) : old.with(response);
        });
    }

    @Override
    public void invalidate(String url) {
        invalidated.put(url, System.currentTimeMillis());
        Set<String> of = byUrl.remove(url);
        if (of != null) {
            keys.invalidateAll(of);
        }
    }

    @Override
    public Future<Long> purge(Predicate<CachedResponse> which) {
        long dropped = 0;
        for (Map.Entry<String, Variants> e : keys.asMap().entrySet()) {
            for (CachedResponse r : e.getValue().responses()) {
                if (which.test(r)) {
                    if (keys.asMap().remove(e.getKey()) != null) {
                        dropped++;
                    }
                    break;
                }
            }
        }
        return Future.succeededFuture(dropped);
    }

    @Override
    public long entries() {
        return keys.estimatedSize();
    }

    @Override
    public long bytes() {
        return keys.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
    }

    @Override
    public long evictions() {
        return evictions.sum();
    }

    /** Every stored response (one per variant), for the stats. */
    void forEach(java.util.function.Consumer<CachedResponse> each) {
        for (Variants v : keys.asMap().values()) {
            v.responses().forEach(each);
        }
    }

    long maxBytes() {
        return keys.policy().eviction().map(e -> e.getMaximum()).orElse(0L);
    }

    /** A new {@code max-bytes} (a reload): applied in place, evicting at once what no longer fits. */
    void resize(long maxBytes) {
        keys.policy().eviction().ifPresent(e -> {
            if (e.getMaximum() != maxBytes) {
                e.setMaximum(maxBytes);
            }
        });
    }

    /** Tests: let Caffeine finish pending evictions. */
    void cleanUp() {
        keys.cleanUp();
    }
}
