package io.gatehouse.cache;

import io.gatehouse.redis.RedisLink;
import io.vertx.core.json.JsonObject;
import org.jboss.logging.Logger;

import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * With the {@code local} store and a Redis configured, invalidations and purges reach every replica: each replica
 * publishes what it dropped on {@value #CHANNEL} and applies what the others published. Best effort: while Redis
 * is away nothing is sent, and another replica's copy then lives until its freshness ends. With the {@code redis}
 * store there is nothing to send (the entries are shared); without a Redis, an invalidation reaches one replica.
 */
final class CacheBroadcast {
    static final String CHANNEL = "gatehouse:cache:events";
    private static final Logger LOG = Logger.getLogger(CacheBroadcast.class);

    private final RedisLink link;
    private final Supplier<CacheStore> store;

    CacheBroadcast(RedisLink link, Supplier<CacheStore> store) {
        this.link = link;
        this.store = store;
    }

    /** Starts listening (idempotent); only when a Redis is configured. */
    void start() {
        if (link.configured()) {
            link.subscribe(CHANNEL, this::received);
        }
    }

    /** Whether this replica's drops must be told to the others. */
    boolean active() {
        return link.configured() && store.get() instanceof LocalCacheStore;
    }

    void invalidated(String url) {
        if (active()) {
            link.publish(CHANNEL, new JsonObject().put("from", link.replicaId()).put("invalidate", url).encode());
        }
    }

    void purged(JsonObject selection) {
        if (active()) {
            link.publish(CHANNEL, new JsonObject().put("from", link.replicaId()).put("purge", selection).encode());
        }
    }

    private void received(String payload) {
        JsonObject message;
        try {
            message = new JsonObject(payload);
        } catch (RuntimeException e) {
            LOG.debugf("not a cache event: %s", payload);
            return;
        }
        CacheStore local = store.get();
        if (!(local instanceof LocalCacheStore) || link.replicaId().equals(message.getString("from"))) {
            return; // our own, or nothing here to drop
        }
        Object url = message.getValue("invalidate");
        if (url instanceof String u) {
            local.invalidate(u);
            return;
        }
        Object purge = message.getValue("purge");
        if (purge instanceof JsonObject selection) {
            Predicate<CachedResponse> which = CacheEndpoints.selector(selection);
            if (which != null) {
                // a walk over every key: not on the event loop that delivered the message
                java.util.concurrent.ForkJoinPool.commonPool().execute(() -> local.purge(which));
            }
        }
    }
}
