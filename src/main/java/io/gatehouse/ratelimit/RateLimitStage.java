package io.gatehouse.ratelimit;

import io.gatehouse.pipeline.Exchange;
import io.gatehouse.pipeline.GatewayFilter;
import io.gatehouse.pipeline.LocalReply;
import io.gatehouse.redis.RedisLink;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The request phase of one stage: the global policies (before routing and authentication) or a route's (after
 * authentication). Each request is counted by every policy of the stage; it passes only if every enforcing policy
 * allows it in every window.
 *
 * <p>Policies in this process's memory are decided together, all or nothing: a request one of them refuses is
 * counted by none. Policies in Redis are decided in one script per counted key, all or nothing as well, and the
 * scripts of one stage are sent together (one round trip). While Redis cannot be reached a {@code redis} policy
 * follows its {@code on-store-failure} at once, without waiting on Redis.
 */
class RateLimitStage implements GatewayFilter {
    @Override
    public String spanName() {
        return "rate limit";
    }

    /** Anchors the monotonic clock to the wall clock once: windows line up with the clock, time never goes back. */
    private static final long ORIGIN_NANOS = System.nanoTime();
    private static final long ORIGIN_MICROS = System.currentTimeMillis() * 1000;

    private final PolicyLimiter[] policies;
    private final RedisLink redis;
    private final RedisCounters redisCounters;

    RateLimitStage(List<PolicyLimiter> policies, RedisLink redis) {
        this.policies = policies.toArray(PolicyLimiter[]::new);
        this.redis = redis;
        this.redisCounters = new RedisCounters(redis);
    }

    static long nowMicros() {
        return ORIGIN_MICROS + (System.nanoTime() - ORIGIN_NANOS) / 1000;
    }

    List<PolicyLimiter> policies() {
        return List.of(policies);
    }

    @Override
    public Set<Phase> phases() {
        return EnumSet.of(Phase.REQUEST);
    }

    @Override
    public Future<LocalReply> onRequest(Exchange exchange) {
        int n = policies.length;
        if (n == 0) {
            return CONTINUE;
        }
        if (n == 1 && policies[0].config.store() == PolicyConfig.Store.LOCAL) {
            return decideOneLocally(exchange, policies[0]);
        }
        Decisions decisions = Decisions.of(exchange);
        Verdict[] verdicts = new Verdict[n];
        String[] keys = new String[n];
        boolean anyRedis = false;
        for (int i = 0; i < n; i++) {
            PolicyLimiter p = policies[i];
            Windows windows = p.windows(exchange);
            if (windows == null) {
                return noTier(p, exchange);
            }
            verdicts[i] = new Verdict(p.config, windows);
            keys[i] = p.countedKey(exchange);
            anyRedis |= p.config.store() == PolicyConfig.Store.REDIS;
        }
        long now = nowMicros();
        boolean redisUp = anyRedis && redis.available();
        // this process's counters first: the local store, and redis policies while Redis is away
        List<Integer> local = new ArrayList<>(n);
        Map<String, List<Integer>> remote = null;
        for (int i = 0; i < n; i++) {
            PolicyConfig config = policies[i].config;
            if (config.store() == PolicyConfig.Store.LOCAL) {
                local.add(i);
            } else if (redisUp) {
                if (remote == null) {
                    remote = new LinkedHashMap<>();
                }
                remote.computeIfAbsent(keys[i], k -> new ArrayList<>(2)).add(i);
            } else {
                decisions.fellBack = true;
                if (config.onStoreFailure() == PolicyConfig.OnStoreFailure.LOCAL) {
                    local.add(i);
                } else {
                    fallBack(i, verdicts, config);
                }
            }
        }
        if (!local.isEmpty() && decideLocally(local, keys, verdicts, now)) {
            // refused here: the policies in Redis were not asked, and report nothing
            for (int i = 0; i < n; i++) {
                if (!local.contains(i)) {
                    verdicts[i] = null;
                }
            }
            record(decisions, verdicts, keys);
            return refusal(verdicts);
        }
        if (remote == null) {
            record(decisions, verdicts, keys);
            return refusal(verdicts);
        }
        List<Future<Void>> calls = new ArrayList<>(remote.size());
        for (List<Integer> group : remote.values()) {
            calls.add(decideInRedis(group, keys, verdicts, decisions));
        }
        Promise<LocalReply> done = Promise.promise();
        Future.join(calls).onComplete(ar -> {
            record(decisions, verdicts, keys);
            done.complete(refusal(verdicts).result());
        });
        return done.future();
    }

    /** The most common stage, one policy in this process' memory: no grouping, no lists. */
    private Future<LocalReply> decideOneLocally(Exchange exchange, PolicyLimiter p) {
        Windows windows = p.windows(exchange);
        if (windows == null) {
            return noTier(p, exchange);
        }
        Verdict verdict = new Verdict(p.config, windows);
        String key = p.countedKey(exchange);
        p.local.decide(localKey(key, verdict), nowMicros(), 1, verdict);
        Decisions.of(exchange).add(verdict, key);
        return verdict.refuses() ? refusal(new Verdict[] {verdict}) : CONTINUE;
    }

    private static Future<LocalReply> noTier(PolicyLimiter p, Exchange exchange) {
        String tier = p.tier(exchange.caller());
        return Future.succeededFuture(LocalReply.error(403, "forbidden", tier == null
                ? "this route's rate limit '" + p.config.name() + "' has no limits for callers without a tier"
                : "this route's rate limit '" + p.config.name() + "' has no limits for tier '" + tier + "'"));
    }

    /** Decides the policies of this process's memory together; true when the request is refused. */
    private boolean decideLocally(List<Integer> local, String[] keys, Verdict[] verdicts, long now) {
        if (local.size() == 1) {
            int i = local.get(0);
            policies[i].local.decide(localKey(keys[i], verdicts[i]), now, divisor(i), verdicts[i]);
            return verdicts[i].refuses();
        }
        boolean refused = false;
        for (int i : local) {
            policies[i].local.peek(localKey(keys[i], verdicts[i]), now, divisor(i), verdicts[i]);
            refused |= verdicts[i].refuses();
        }
        for (int i : local) {
            // refused: only the policies that refuse are touched (a ban may start); passed: every policy counts it
            if (!refused || !verdicts[i].allowed) {
                Verdict fresh = new Verdict(policies[i].config, verdicts[i].windows);
                policies[i].local.decide(localKey(keys[i], verdicts[i]), now, divisor(i), fresh);
                verdicts[i] = fresh;
                refused |= fresh.refuses();
            }
        }
        return refused;
    }

    /** The key in the local store: the counted key, after the tier for a policy with tiers. */
    static String localKey(String countedKey, Verdict verdict) {
        String prefix = verdict.windows.localPrefix;
        return prefix.isEmpty() ? countedKey : prefix + countedKey;
    }

    /** The share of a {@code redis} policy's limit this replica enforces alone while Redis is away. */
    private int divisor(int i) {
        return policies[i].config.store() == PolicyConfig.Store.REDIS ? redis.replicas() : 1;
    }

    private Future<Void> decideInRedis(List<Integer> group, String[] keys, Verdict[] verdicts, Decisions decisions) {
        PolicyConfig[] configs = new PolicyConfig[group.size()];
        Verdict[] groupVerdicts = new Verdict[group.size()];
        for (int g = 0; g < configs.length; g++) {
            int i = group.get(g);
            configs[g] = policies[i].config;
            groupVerdicts[g] = verdicts[i];
        }
        return redisCounters.decide(keys[group.get(0)], groupVerdicts).recover(err -> {
            // Redis failed this request (the link now stops sending): decide as if it had been down all along
            decisions.fellBack = true;
            List<Integer> local = new ArrayList<>(group.size());
            for (int g = 0; g < configs.length; g++) {
                int i = group.get(g);
                verdicts[i] = new Verdict(configs[g], groupVerdicts[g].windows);
                if (configs[g].onStoreFailure() == PolicyConfig.OnStoreFailure.LOCAL) {
                    local.add(i);
                } else {
                    fallBack(i, verdicts, configs[g]);
                }
            }
            if (!local.isEmpty()) {
                decideLocally(local, keys, verdicts, nowMicros());
            }
            return Future.succeededFuture();
        });
    }

    /** {@code open}: the request passes uncounted (no verdict, no headers); {@code closed}: refused. */
    private static void fallBack(int i, Verdict[] verdicts, PolicyConfig config) {
        if (config.onStoreFailure() == PolicyConfig.OnStoreFailure.OPEN) {
            verdicts[i] = null;
        } else {
            Verdict v = verdicts[i];
            v.allowed = false;
            v.retryAfterMicros = 1_000_000;
            for (int w = 0; w < v.limit.length; w++) {
                v.limit[w] = v.limits.get(w).count();
                v.resetMicros[w] = 1_000_000;
            }
        }
    }

    private static void record(Decisions decisions, Verdict[] verdicts, String[] keys) {
        for (int i = 0; i < verdicts.length; i++) {
            if (verdicts[i] != null) {
                decisions.add(verdicts[i], keys[i]);
            }
        }
    }

    private static Future<LocalReply> refusal(Verdict[] verdicts) {
        Verdict worst = null;
        for (Verdict v : verdicts) {
            if (v != null && v.refuses() && (worst == null || v.retryAfterMicros > worst.retryAfterMicros)) {
                worst = v;
            }
        }
        if (worst == null) {
            return CONTINUE;
        }
        long retry = Math.max(1, Verdict.seconds(worst.retryAfterMicros));
        String message = worst.banned
                ? "too many requests: banned by rate limit '" + worst.policy.name() + "' for " + retry + " s more"
                : "too many requests: rate limit '" + worst.policy.name() + "' exceeded; retry in " + retry + " s";
        return Future.succeededFuture(LocalReply.error(429, "rate_limited", message)
                .header("Retry-After", Long.toString(retry)));
    }
}
