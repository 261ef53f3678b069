package io.gatehouse.cache;

import java.time.Duration;
import java.util.List;

/**
 * The {@code cache} section: where entries live and the bounds every cached route shares.
 *
 * @param maxBytes      the local store's bound ({@code max-bytes}, bodies and headers)
 * @param maxObjectSize the largest body stored ({@code max-object-size}); larger ones stream through uncached
 * @param lockTimeout   how long concurrent misses on one key wait for the one that went upstream ({@code lock-timeout})
 */
record CacheSettings(Store store, long maxBytes, long maxObjectSize, Duration lockTimeout) {
    enum Store { LOCAL, REDIS }

    static final long DEFAULT_MAX_BYTES = 256L << 20;
    static final long DEFAULT_MAX_OBJECT_SIZE = 1L << 20;
    static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofSeconds(5);
    static final CacheSettings DEFAULTS = new CacheSettings(Store.LOCAL, DEFAULT_MAX_BYTES, DEFAULT_MAX_OBJECT_SIZE,
            DEFAULT_LOCK_TIMEOUT);

    /**
     * A route's {@code cache}: {@code true} or {@code {}} caches by the upstream's own freshness only.
     *
     * @param ttl            freshness for responses that carry none (null: only the upstream's, or §4.2.2 heuristics)
     * @param vary           request headers added to the key (lowercase), besides the upstream's own {@code Vary}
     * @param maxObjectSize  this route's bound on a stored body (the section's when not given)
     * @param staleIfError   how long past freshness an entry may answer when the upstream fails (null: only what the
     *                       response's own {@code stale-if-error} allows)
     * @param invalidate     paths whose entries a successful unsafe request on this route also drops
     * @param storeSetCookie responses with {@code Set-Cookie} are stored (without the cookie, which only the client
     *                       whose request filled the entry gets); by default they are not stored at all
     */
    record Route(Duration ttl, List<String> vary, long maxObjectSize, Duration staleIfError, List<String> invalidate,
                 boolean storeSetCookie) {
        Route {
            vary = List.copyOf(vary);
            invalidate = List.copyOf(invalidate);
        }

        long ttlMillis() {
            return ttl == null ? 0 : ttl.toMillis();
        }
    }
}
