package io.gatehouse.cache;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Concurrent misses on one key make one upstream request (nginx's {@code proxy_cache_lock}): the first request
 * {@link #lead leads} a fill; the others {@link #join} it and wait for what it stores. A fill is settled exactly
 * once: with the stored response, or with null as soon as it is clear nothing will be stored (not storable, too
 * large, the upstream failed, the client left), so the waiters go upstream themselves at once.
 */
final class Coalescer {
    private final ConcurrentHashMap<String, Fill> running = new ConcurrentHashMap<>();

    /** The fill running for {@code key}, or null when there is none (then this request should lead one). */
    Fill join(String key) {
        return running.get(key);
    }

    /** Starts a fill for {@code key}; a fill already running is taken over as is (the caller then simply waits). */
    Fill lead(String key) {
        Fill fill = new Fill(key);
        Fill other = running.putIfAbsent(key, fill);
        return other == null ? fill : null;
    }

    int size() {
        return running.size();
    }

    final class Fill {
        private final String key;
        private final Promise<CachedResponse> done = Promise.promise();
        private final AtomicBoolean settled = new AtomicBoolean();

        private Fill(String key) {
            this.key = key;
        }

        Future<CachedResponse> future() {
            return done.future();
        }

        /** What the fill stored (null: nothing); the first call counts. */
        void settle(CachedResponse stored) {
            if (settled.compareAndSet(false, true)) {
                running.remove(key, this);
                done.complete(stored);
            }
        }
    }
}
