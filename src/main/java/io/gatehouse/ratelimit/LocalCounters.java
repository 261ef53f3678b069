package io.gatehouse.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.time.Duration;
import java.util.List;

/**
 * One policy's counters in this process: a Caffeine cache of {@link KeyState}s bounded in keys (a flood of new
 * addresses evicts the least useful, never grows the heap) and forgetting keys idle for longer than their longest
 * window or ban. Decisions are lock-free ({@link KeyState}).
 */
final class LocalCounters {
    private final Cache<String, KeyState> keys;

    LocalCounters(PolicyConfig policy, long maxKeys) {
        Duration idle = policy.longestWindow();
        if (policy.algorithm() == PolicyConfig.Algorithm.GCRA && policy.burst() > 0 && !policy.limits().isEmpty()) {
            // a burst larger than the count puts the key's next arrival time up to burst intervals ahead
            Limit first = policy.limits().get(0);
            Duration ahead = first.window().dividedBy(first.count()).multipliedBy(policy.burst());
            idle = ahead.compareTo(idle) > 0 ? ahead : idle;
        }
        if (policy.banFor() != null && policy.banFor().compareTo(idle) > 0) {
            idle = policy.banFor();
        }
        this.keys = Caffeine.newBuilder()
                .maximumSize(maxKeys)
                .expireAfterAccess(idle.plusSeconds(1))
                // Caffeine's maintenance (recording reads, evicting, expiring) in the calling thread, under a
                // tryLock that never waits and in bounded steps: handing it to a pool thread cost more (a wake-up
                // every few reads: about 1 µs of CPU per request on the bench's hot key, measured with JFR)
                .executor(Runnable::run)
                .build();
    }

    /** Decides and counts one request for {@code key} (the caller of a decision loses no count to a race). */
    void decide(String key, long now, int divisor, Verdict verdict) {
        PolicyConfig policy = verdict.policy;
        List<Limit> limits = verdict.limits;
        KeyState state = keys.get(key, k -> new KeyState());
        while (true) {
            long[] before = state.get();
            long[] after = Algorithms.evaluate(policy, limits, before, now, divisor, verdict);
            if (after == null || state.swap(before, after)) {
                return;
            }
        }
    }

    /** Whether a request would pass, and what is left now, without counting it. */
    void peek(String key, long now, int divisor, Verdict verdict) {
        PolicyConfig policy = verdict.policy;
        List<Limit> limits = verdict.limits;
        KeyState state = keys.getIfPresent(key);
        Algorithms.evaluate(policy, limits, state == null ? null : state.get(), now, divisor, verdict, true);
    }

    long size() {
        return keys.estimatedSize();
    }

    /** Tests and the heap measurement: let Caffeine finish pending evictions. */
    void cleanUp() {
        keys.cleanUp();
    }
}
