package io.gatehouse.ratelimit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code gatehouse_ratelimit_decisions_total{route, policy, outcome}} (outcome {@code allowed}, {@code limited} or
 * {@code dry_run_limited}) and {@code gatehouse_ratelimit_fallback_total{policy}}: decisions a {@code redis}
 * policy took without Redis. Labels are route ids and policy names from the config: bounded.
 */
final class RateLimitMetrics {
    static final String DECISIONS = "gatehouse.ratelimit.decisions";
    static final String FALLBACK = "gatehouse.ratelimit.fallback";

    private static final String[] OUTCOMES = {"allowed", "limited", "dry_run_limited"};

    private final MeterRegistry registry;
    /** route → policy → counters by outcome: looked up with no allocation per request. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, Counter[]>> decisions = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();

    RateLimitMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void decision(String route, Verdict verdict) {
        int outcome = verdict.allowed ? 0 : verdict.policy.dryRun() ? 2 : 1;
        String policy = verdict.policy.name();
        ConcurrentHashMap<String, Counter[]> byPolicy = decisions.get(route);
        if (byPolicy == null) {
            byPolicy = decisions.computeIfAbsent(route, r -> new ConcurrentHashMap<>());
        }
        Counter[] byOutcome = byPolicy.get(policy);
        if (byOutcome == null) {
            byOutcome = byPolicy.computeIfAbsent(policy, p -> {
                Counter[] c = new Counter[OUTCOMES.length];
                for (int i = 0; i < c.length; i++) {
                    c[i] = Counter.builder(DECISIONS)
                            .description("Rate-limit decisions by route, policy and outcome (allowed, limited, dry_run_limited)")
                            .tags("route", route, "policy", policy, "outcome", OUTCOMES[i])
                            .register(registry);
                }
                return c;
            });
        }
        byOutcome[outcome].increment();
    }

    void fallback(String policy) {
        counters.computeIfAbsent("\u0001" + policy, k -> Counter.builder(FALLBACK)
                .description("Rate-limit decisions a redis policy took without Redis (on-store-failure)")
                .tags("policy", policy)
                .register(registry)).increment();
    }

    /** Drops the meters of policies that are gone. */
    void retainOnly(Set<String> policies) {
        counters.entrySet().removeIf(e -> !policies.contains(e.getValue().getId().getTag("policy")));
        decisions.values().forEach(byPolicy -> byPolicy.keySet().retainAll(policies));
        registry.getMeters().stream()
                .filter(m -> (m.getId().getName().equals(DECISIONS) || m.getId().getName().equals(FALLBACK))
                        && !policies.contains(m.getId().getTag("policy")))
                .map(Meter::getId)
                .toList()
                .forEach(registry::remove);
    }
}
