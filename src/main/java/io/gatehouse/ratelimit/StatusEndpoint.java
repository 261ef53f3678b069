package io.gatehouse.ratelimit;

import io.gatehouse.config.RouteConfig;
import io.gatehouse.pipeline.Caller;
import io.gatehouse.pipeline.CallerIdentifier;
import io.gatehouse.pipeline.Exchange;
import io.gatehouse.pipeline.LocalReply;
import io.gatehouse.redis.RedisLink;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /ratelimit/status} on the traffic port ({@code rate-limits.status-endpoint: true}): the caller's own
 * standing in every policy, identified as any request is (its API key or bearer token, else its address), read
 * without counting the request.
 */
final class StatusEndpoint {
    static final String PATH = "/ratelimit/status";

    private final Map<String, PolicyLimiter> limiters;
    private final Map<String, List<String>> routesByPolicy;
    private final CallerIdentifier identifier;
    private final RedisLink redis;
    private final RedisCounters redisCounters;

    StatusEndpoint(Map<String, PolicyLimiter> limiters, List<RouteConfig> routes, CallerIdentifier identifier, RedisLink redis) {
        this.limiters = limiters;
        this.identifier = identifier;
        this.redis = redis;
        this.redisCounters = new RedisCounters(redis);
        Map<String, List<String>> byPolicy = new java.util.HashMap<>();
        for (RouteConfig route : routes) {
            for (String name : RateLimitConfigExtension.of(route)) {
                byPolicy.computeIfAbsent(name, n -> new ArrayList<>()).add(route.id());
            }
        }
        this.routesByPolicy = byPolicy;
    }

    Future<LocalReply> answer(Exchange exchange) {
        exchange.label("ratelimit-status");
        Future<Caller> caller = identifier == null ? Future.succeededFuture() : identifier.identify(exchange);
        io.vertx.core.Promise<LocalReply> reply = io.vertx.core.Promise.promise();
        caller.onComplete(ar -> exchange.resume(() -> {
            if (ar.failed()) {
                reply.complete(LocalReply.error(401, "unauthorized", ar.cause().getMessage()));
                return;
            }
            if (ar.result() != null) {
                exchange.put(Exchange.CALLER, ar.result());
            }
            report(exchange).onComplete(done -> exchange.resume(() -> reply.complete(done.succeeded() ? done.result()
                    : LocalReply.error(500, "internal_error", "the rate-limit status could not be read"))));
        }));
        return reply.future();
    }

    private Future<LocalReply> report(Exchange exchange) {
        Caller caller = exchange.caller();
        JsonObject who = new JsonObject().put("address", exchange.clientIp());
        if (caller != null) {
            who.put("id", caller.id());
        }
        List<JsonObject> entries = new ArrayList<>();
        List<Future<Void>> reads = new ArrayList<>();
        long now = RateLimitStage.nowMicros();
        for (PolicyLimiter limiter : limiters.values()) {
            PolicyConfig config = limiter.config;
            Windows windows = limiter.windows(exchange);
            String tier = config.tiers().isEmpty() ? null : limiter.tier(caller);
            List<String> keys = new ArrayList<>();
            List<String> routes = new ArrayList<>();
            if (config.key().kind() == KeySpec.Kind.ROUTE) {
                for (String route : routesByPolicy.getOrDefault(config.name(), List.of())) {
                    keys.add("route:" + route);
                    routes.add(route);
                }
            } else {
                keys.add(limiter.countedKey(exchange));
                routes.add(null);
            }
            for (int k = 0; k < keys.size(); k++) {
                JsonObject entry = new JsonObject().put("policy", config.name()).put("key", config.key().toString())
                        .put("counted-as", keys.get(k)).put("dry-run", config.dryRun());
                if (routes.get(k) != null) {
                    entry.put("route", routes.get(k));
                }
                if (tier != null || !config.tiers().isEmpty()) {
                    entry.put("tier", tier);
                }
                entries.add(entry);
                if (windows == null) {
                    entry.put("refused", "no limits for this caller's tier");
                    continue;
                }
                Verdict verdict = new Verdict(config, windows);
                List<Limit> limits = windows.limits;
                if (config.store() == PolicyConfig.Store.REDIS && redis.available()) {
                    entry.put("store", "redis");
                    reads.add(redisCounters.peek(keys.get(k), new Verdict[] {verdict})
                            .onSuccess(v -> fill(entry, verdict))
                            .recover(err -> {
                                entry.put("store", "unavailable");
                                return Future.succeededFuture();
                            }));
                } else {
                    boolean fallback = config.store() == PolicyConfig.Store.REDIS;
                    entry.put("store", fallback ? "local (Redis unavailable)" : "local");
                    limiter.local.peek(RateLimitStage.localKey(keys.get(k), verdict), now,
                            fallback ? redis.replicas() : 1, verdict);
                    fill(entry, verdict);
                }
            }
        }
        return Future.join(reads).transform(ar -> {
            JsonObject body = new JsonObject().put("caller", who).put("policies", new JsonArray(new ArrayList<>(entries)));
            return Future.succeededFuture(LocalReply.of(200, "application/json", Buffer.buffer(body.encode()))
                    .header("Cache-Control", "no-store"));
        });
    }

    private static void fill(JsonObject entry, Verdict v) {
        JsonArray windows = new JsonArray();
        for (int i = 0; i < v.limits.size(); i++) {
            windows.add(new JsonObject().put("limit", v.limit[i]).put("window", v.limits.get(i).windowText())
                    .put("remaining", v.remaining[i]).put("reset", Verdict.seconds(v.resetMicros[i])));
        }
        entry.put("windows", windows).put("would-pass", v.allowed).put("banned", v.banned);
        if (!v.allowed) {
            entry.put("retry-after", Math.max(1, Verdict.seconds(v.retryAfterMicros)));
        }
    }
}
