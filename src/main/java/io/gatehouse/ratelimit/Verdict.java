package io.gatehouse.ratelimit;

import java.util.List;

/**
 * What one policy decided for one request: whether every window allowed it, and per window what is left and when
 * it resets. Filled by a store; read by the headers, the metrics and the status endpoint.
 */
final class Verdict {
    final PolicyConfig policy;
    /** The windows the caller was counted in (its tier's), with the counts in force (see {@link #divisor}). */
    final List<Limit> limits;
    final long[] limit;
    final long[] remaining;
    final long[] resetMicros;
    boolean allowed;
    boolean banned;
    /** When refused: how long until a request would pass. */
    long retryAfterMicros;
    /** The local fallback's share: each count divided by the replicas last seen alive (1 normally). */
    int divisor = 1;

    /** What stays the same for every request of a policy and tier: rendered header items, script arguments. */
    final Windows windows;

    Verdict(PolicyConfig policy, List<Limit> limits) {
        this(policy, new Windows(policy, limits));
    }

    Verdict(PolicyConfig policy, Windows windows) {
        this.policy = policy;
        this.windows = windows;
        List<Limit> limits = windows.limits;
        this.limits = limits;
        this.limit = new long[limits.size()];
        this.remaining = new long[limits.size()];
        this.resetMicros = new long[limits.size()];
    }

    /** The window with the least left: what the single-window headers report. */
    int tightest() {
        int best = 0;
        for (int i = 1; i < limit.length; i++) {
            if (remaining[i] < remaining[best] || remaining[i] == remaining[best] && resetMicros[i] > resetMicros[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Whether the request is refused for this policy (a dry run never refuses). */
    boolean refuses() {
        return !allowed && !policy.dryRun();
    }

    static long seconds(long micros) {
        return micros <= 0 ? 0 : (micros + 999_999) / 1_000_000;
    }
}
