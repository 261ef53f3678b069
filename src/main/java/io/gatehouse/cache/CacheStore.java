package io.gatehouse.cache;

import io.vertx.core.Future;

import java.util.function.Predicate;

/**
 * Where stored responses live. A key holds the variants of one resource for one cache key (URL, the route's
 * {@code vary} values, the caller where keyed by principal); the variant a request may use is the one whose
 * {@code Vary} headers it matches (RFC 9111 §4.1). Never fails a request: a store that cannot answer answers "none".
 */
interface CacheStore {
    /**
     * The stored variants under {@code key} that a request with these headers may match (a store may hand back
     * only the one its Vary values select), or null.
     */
    Future<Variants> get(String key, io.vertx.core.MultiMap requestHeaders);

    /**
     * Stores {@code response} under {@code key}, replacing the variant with the same Vary values; unless its URL was
     * invalidated after {@code requestedMillis}, when the request that fetched it started (a write that raced the
     * read must win).
     */
    void put(String key, CachedResponse response, long requestedMillis);

    /** Drops every key of {@code url} (invalidation, §4.4: all its variants, every caller's). */
    void invalidate(String url);

    /** Drops the entries {@code which} selects; how many were dropped. */
    Future<Long> purge(Predicate<CachedResponse> which);

    /** Entries held (keys), bytes held, entries evicted for room so far. */
    long entries();

    long bytes();

    long evictions();
}
