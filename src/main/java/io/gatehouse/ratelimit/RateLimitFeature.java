package io.gatehouse.ratelimit;

import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.RouteConfig;
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

    @Inject
    public RateLimitFeature(RedisLink redis, MeterRegistry global, Instance<PrometheusMeterRegistry> prometheus) {
        this.redis = redis;
        this.metrics = new RateLimitMetrics(prometheus.isResolvable() ? prometheus.get() : global);
    }

    @Override
    public int order() {
        return ORDER_GLOBAL_RATE_LIMIT; // the global stage: before authentication
    }

    @Override
    public int routeOrder() {
        return ORDER_RATE_LIMIT; // a route's policies: after authentication and authorization, per caller
    }

    @Override
    public RateLimits build(GatehouseConfig config, RateLimits previous) {
        RateLimitsConfig section = RateLimitConfigExtension.of(config);
        TopKeys top = previous != null ? previous.top() : new TopKeys(TOP_KEYS);
        if (section == null) {
            metrics.retainOnly(java.util.Set.of());
            return new RateLimits(null, Map.of(), null, Map.of(), top);
        }
        Map<String, PolicyLimiter> limiters = new HashMap<>();
        for (PolicyConfig policy : section.policies().values()) {
            PolicyLimiter old = previous == null ? null : previous.limiters().get(policy.name());
            boolean keep = old != null && old.config.equals(policy) && previous.config() != null
                    && previous.config().maxKeys() == section.maxKeys();
            limiters.put(policy.name(), keep ? old : new PolicyLimiter(policy, section.maxKeys()));
            if (policy.store() == PolicyConfig.Store.REDIS) {
                redis.connect();
                if (policy.onStoreFailure() == PolicyConfig.OnStoreFailure.LOCAL) {
                    redis.keepHeartbeat(); // the fallback divides the limit by the replicas it saw
                }
            }
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
        metrics.retainOnly(section.policies().keySet());
        return new RateLimits(section, Map.copyOf(limiters),
                new RateLimitGlobal(global, redis, section.headers(), metrics, top), Map.copyOf(routes), top);
    }
}
