package io.gatehouse.ratelimit;

import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.RouteConfig;
import io.gatehouse.pipeline.CallerIdentifier;
import io.gatehouse.pipeline.FilterFactory;
import io.gatehouse.redis.RedisLink;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles {@code rate-limits} and each route's {@code rate-limit} into {@link RateLimits}. A reload keeps the
 * limiter (and so the counters) of every policy whose config did not change, and the most-limited keys.
 */
@Singleton
public class RateLimitFeature implements FilterFactory<RateLimits> {
    static final int TOP_KEYS = 100;

    private final RedisLink redis;
    private final RateLimitMetrics metrics;
    private final java.util.function.Supplier<CallerIdentifier> identifier;

    @Inject
    public RateLimitFeature(RedisLink redis, MeterRegistry global, Instance<PrometheusMeterRegistry> prometheus,
                            Instance<CallerIdentifier> identifier) {
        this(redis, prometheus.isResolvable() ? prometheus.get() : global,
                () -> identifier.isResolvable() ? identifier.get() : null);
    }

    RateLimitFeature(RedisLink redis, MeterRegistry registry, java.util.function.Supplier<CallerIdentifier> identifier) {
        this.redis = redis;
        this.identifier = identifier;
        this.metrics = new RateLimitMetrics(registry);
    }

    @Override
    public int order() {
        return ORDER_GLOBAL_RATE_LIMIT; // the global stage: before authentication
    }

    @Override
    public int routeOrder() {
        return ORDER_RATE_LIMIT; // a route's policies: after authentication and authorization, per caller
    }

    /**
     * The replica heartbeat follows the config in force: it runs while a policy of the installed snapshot falls back
     * to a local share of its limit (the share divides by the replicas it saw). Decided once a snapshot is installed,
     * never while one is built: a reload refused later on keeps the running config, and its heartbeat with it.
     */
    void installed(@jakarta.enterprise.event.Observes io.gatehouse.pipeline.SnapshotInstalled event) {
        followHeartbeat(event.snapshot().feature(RateLimits.class));
    }

    /** Starts or stops the heartbeat for these installed rate limits (the last such policy gone, it stops). */
    void followHeartbeat(RateLimits installed) {
        boolean needed = false;
        if (installed != null) {
            for (PolicyLimiter limiter : installed.limiters().values()) {
                needed |= limiter.config.store() == PolicyConfig.Store.REDIS
                        && limiter.config.onStoreFailure() == PolicyConfig.OnStoreFailure.LOCAL;
            }
        }
        if (needed) {
            redis.keepHeartbeat();
        } else {
            redis.stopHeartbeat();
        }
    }

    @Override
    public RateLimits build(GatehouseConfig config, RateLimits previous) {
        RateLimitsConfig section = RateLimitConfigExtension.of(config);
        TopKeys top = previous != null ? previous.top() : new TopKeys(TOP_KEYS);
        if (section == null) {
            // no rate-limits section: POST /auth/token keeps its default limit all the same
            section = new RateLimitsConfig(Map.of(), List.of(), RateLimitsConfig.Headers.BOTH,
                    RateLimitsConfig.DEFAULT_MAX_KEYS, false);
        }
        Map<String, PolicyLimiter> limiters = new java.util.LinkedHashMap<>(); // config order, for the status endpoint
        for (PolicyConfig policy : section.policies().values()) {
            PolicyLimiter old = previous == null ? null : previous.limiters().get(policy.name());
            boolean keep = old != null && old.config.equals(policy) && previous.config() != null
                    && previous.config().maxKeys() == section.maxKeys();
            limiters.put(policy.name(), keep ? old : new PolicyLimiter(policy, section.maxKeys()));
            if (policy.store() == PolicyConfig.Store.REDIS) {
                redis.preload(RedisCounters.SCRIPT);
                redis.connect();
            }
        }
        PolicyConfig tokenPolicy = section.policies().getOrDefault(RateLimitParser.TOKEN_POLICY, RateLimitParser.TOKEN_DEFAULT);
        PolicyLimiter tokenLimiter = limiters.get(RateLimitParser.TOKEN_POLICY);
        if (tokenLimiter == null) {
            PolicyLimiter old = previous == null ? null : previous.limiters().get(RateLimitParser.TOKEN_POLICY);
            tokenLimiter = old != null && old.config.equals(tokenPolicy) ? old : new PolicyLimiter(tokenPolicy, section.maxKeys());
            limiters.put(RateLimitParser.TOKEN_POLICY, tokenLimiter);
        }
        List<PolicyLimiter> global = new ArrayList<>();
        for (String name : section.global()) {
            global.add(limiters.get(name));
        }
        Map<String, RateLimitStage> routes = new HashMap<>();
        for (RouteConfig route : config.routes()) {
            List<String> names = RateLimitConfigExtension.of(route);
            if (names.isEmpty()) {
                continue;
            }
            List<PolicyLimiter> stage = new ArrayList<>();
            for (String name : names) {
                stage.add(limiters.get(name));
            }
            routes.put(route.id(), new RateLimitStage(stage, redis));
        }
        metrics.retainOnly(limiters.keySet());
        return new RateLimits(section, Map.copyOf(limiters),
                new RateLimitGlobal(global, new RateLimitStage(List.of(tokenLimiter), redis), redis, section.headers(),
                        metrics, top, !section.statusEndpoint() ? null
                        : new StatusEndpoint(java.util.Collections.unmodifiableMap(limiters), config.routes(), identifier.get(), redis)),
                Map.copyOf(routes), top);
    }
}
