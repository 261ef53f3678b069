package io.gatehouse.cache;

import io.gatehouse.pipeline.AdminEndpoint;
import io.gatehouse.pipeline.GatewaySnapshot;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/** The cache's admin endpoints: {@code POST /admin/cache/purge} and {@code GET /admin/cache/stats}. */
final class CacheEndpoints {
    private static final String THIS_REPLICA = "this replica only: the local store is per replica";
    private static final String ALL_REPLICAS = "every replica: the redis store is shared";
    private static final String BROADCAST = "this replica, and the others through Redis pub/sub (best effort)";

    private CacheEndpoints() {
    }

    /**
     * {@code POST /admin/cache/purge} with one of {@code {"url": "/path"}} (that path on any host, or a full
     * {@code http://host/path}: every query string, variant and caller of it), {@code {"prefix": "/api/"}},
     * {@code {"route": "id"}} or {@code {"all": true}}. Answers how many keys it dropped.
     */
    @Singleton
    static class Purge implements AdminEndpoint {
        private static final int MAX_BODY = 16 * 1024;
        private final CacheFeature feature;

        @Inject
        Purge(CacheFeature feature) {
            this.feature = feature;
        }

        @Override
        public String path() {
            return "cache/purge";
        }

        @Override
        public Set<HttpMethod> methods() {
            return Set.of(HttpMethod.POST);
        }

        @Override
        public void handle(RoutingContext context, GatewaySnapshot snapshot) {
            // the management router's body handler has read the body already (within its own limit); without one,
            // the request reads it here (behind the admin credential)
            Future<Buffer> body = context.request().isEnded()
                    ? Future.succeededFuture(context.body() == null || context.body().buffer() == null ? Buffer.buffer()
                    : context.body().buffer())
                    : context.request().body();
            body.onFailure(err -> bad(context, 400, "bad_request", "the body could not be read"))
                    .onSuccess(read -> {
                        if (read.length() > MAX_BODY) {
                            bad(context, 413, "payload_too_large", "a purge request is at most " + MAX_BODY + " bytes");
                        } else {
                            purge(context, read);
                        }
                    });
        }

        private void purge(RoutingContext context, Buffer body) {
            JsonObject ask;
            try {
                ask = body.length() == 0 ? new JsonObject() : new JsonObject(body);
            } catch (DecodeException | ClassCastException e) {
                bad(context, 400, "bad_request", "the body must be a JSON object");
                return;
            }
            Predicate<CachedResponse> which = selector(ask);
            if (which == null) {
                bad(context, 400, "bad_request", "name exactly one of url, prefix, route (a string each) or all: true");
                return;
            }
            String what = ask.encode();
            feature.broadcast().purged(ask);
            CacheStore store = feature.store();
            if (store == null) {
                done(context, what, 0, THIS_REPLICA);
                return;
            }
            Future<Long> purged = store instanceof LocalCacheStore local
                    // a walk over every key of this process: off the event loop
                    ? context.vertx().executeBlocking(() -> local.purge(which).result(), false)
                    : store.purge(which); // Redis: a SCAN, page by page, without blocking
            String scope = !(store instanceof LocalCacheStore) ? ALL_REPLICAS
                    : feature.broadcast().active() ? BROADCAST : THIS_REPLICA;
            purged.onSuccess(n -> done(context, what, n, scope))
                    .onFailure(err -> bad(context, 503, "store_unavailable", "the purge failed: " + err.getMessage()));
        }

        private static void done(RoutingContext context, String what, long purged, String scope) {
            context.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
                    .end(new JsonObject().put("purged", purged).put("selected", what).put("replica", scope).encode());
        }
    }

    /** {@code GET /admin/cache/stats}: the store's entries, bytes and bound, evictions, and the keys held per route. */
    @Singleton
    static class Stats implements AdminEndpoint {
        private final CacheFeature feature;

        @Inject
        Stats(CacheFeature feature) {
            this.feature = feature;
        }

        @Override
        public String path() {
            return "cache/stats";
        }

        @Override
        public void handle(RoutingContext context, GatewaySnapshot snapshot) {
            CacheStore current = feature.store();
            if (!(current instanceof LocalCacheStore store)) {
                JsonObject out = new JsonObject().put("store", current == null ? "none" : "redis")
                        .put("fillsInProgress", feature.fillsInProgress());
                if (current != null) {
                    out.put("note", "the redis store's size is Redis' own: INFO keyspace, keys gatehouse:cache:*");
                }
                context.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
                        .end(out.encode());
                return;
            }
            JsonObject out = new JsonObject().put("store", "local").put("replica", THIS_REPLICA);
            context.vertx().<JsonObject>executeBlocking(() -> {
                Map<String, Integer> byRoute = new TreeMap<>();
                store.forEach(r -> byRoute.merge(r.route(), 1, Integer::sum));
                JsonObject routes = new JsonObject();
                byRoute.forEach(routes::put);
                return out.put("entries", store.entries()).put("bytes", store.bytes()).put("maxBytes", store.maxBytes())
                        .put("evictions", store.evictions()).put("fillsInProgress", feature.fillsInProgress())
                        .put("keysByRoute", routes);
            }, false).onSuccess(json -> context.response().putHeader("Content-Type", "application/json")
                    .putHeader("Cache-Control", "no-store").end(json.encode()))
                    .onFailure(err -> bad(context, 500, "internal_error", "the stats failed: " + err.getMessage()));
        }
    }

    /**
     * What a purge request selects: {@code url} (a path on any host, or a full {@code http://host/path}: every
     * query string, variant and caller of it), {@code prefix}, {@code route} or {@code all: true}; null for anything
     * else. Other replicas apply the same selection when it is broadcast.
     */
    static Predicate<CachedResponse> selector(JsonObject ask) {
        if (ask.size() != 1) {
            return null;
        }
        if (ask.getValue("url") instanceof String url) {
            return url.startsWith("http://") ? r -> r.url().equalsIgnoreCase(url) : r -> pathOf(r.url()).equals(url);
        }
        if (ask.getValue("prefix") instanceof String prefix) {
            return prefix.startsWith("http://") ? r -> r.url().startsWith(prefix) : r -> pathOf(r.url()).startsWith(prefix);
        }
        if (ask.getValue("route") instanceof String route) {
            return r -> route.equals(r.route());
        }
        if (Boolean.TRUE.equals(ask.getValue("all"))) {
            return r -> true;
        }
        return null;
    }

    private static String pathOf(String url) {
        int slash = url.indexOf('/', "http://".length());
        return slash < 0 ? "/" : url.substring(slash);
    }

    private static void bad(RoutingContext context, int status, String code, String message) {
        if (context.response().ended()) {
            return;
        }
        context.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("status", status).put("error", code).put("message", message).encode());
    }
}
