package io.gatehouse.ratelimit;

import java.util.List;

/**
 * The two algorithms, as pure functions of a key's state and the time; the local store runs them here and the Redis
 * store runs the same steps in {@code ratelimit.lua} (kept in step by {@code RedisCountersTest}).
 *
 * <p>State layout ({@code long[]}): {@code [0]} = banned until (µs, 0 = not banned); then per window, for
 * {@code sliding-window} three longs (window number, count in it, count in the one before) and for {@code gcra} one
 * (the theoretical arrival time of the next request, µs).
 *
 * <p>A refused request changes no counter: a client that waits for its {@code Retry-After} gets in, and one that
 * keeps hammering gets exactly the limit through, no more and no less. Keys that should be shut out for a while
 * after exceeding a limit have {@code ban-for}.
 */
final class Algorithms {
    private Algorithms() {
    }

    static int stateLength(PolicyConfig.Algorithm algorithm, int windows) {
        return 1 + windows * (algorithm == PolicyConfig.Algorithm.GCRA ? 1 : 3);
    }

    /**
     * Decides one request against {@code state} (null: a key never seen) at {@code now} µs, filling {@code verdict};
     * returns the state to store when something changed (the request passed, or a ban starts), else null.
     */
    static long[] evaluate(PolicyConfig policy, List<Limit> limits, long[] state, long now, int divisor, Verdict verdict) {
        return evaluate(policy, limits, state, now, divisor, verdict, false);
    }

    /**
     * As above; with {@code peek} the verdict's {@code remaining} is what is left now rather than after this request
     * (the status endpoint, and policies a request was refused by another of).
     */
    static long[] evaluate(PolicyConfig policy, List<Limit> limits, long[] state, long now, int divisor, Verdict verdict,
                           boolean peek) {
        int length = stateLength(policy.algorithm(), limits.size());
        long[] s = state != null && state.length == length ? state.clone() : new long[length];
        verdict.divisor = divisor;
        verdict.banned = false; // a lost compare-and-set decides again from scratch
        if (s[0] > now) {
            verdict.banned = true;
            verdict.allowed = false;
            verdict.retryAfterMicros = s[0] - now;
            for (int i = 0; i < limits.size(); i++) {
                verdict.limit[i] = share(limits.get(i).count(), divisor);
                verdict.remaining[i] = 0;
                verdict.resetMicros[i] = s[0] - now;
            }
            return null;
        }
        boolean allowed = true;
        long retry = 0;
        long passedBy = 0; // the windows that would let this request through
        for (int i = 0; i < limits.size(); i++) {
            Limit limit = limits.get(i);
            long count = share(limit.count(), divisor);
            verdict.limit[i] = count;
            long w = limit.windowMicros();
            long wait = policy.algorithm() == PolicyConfig.Algorithm.GCRA
                    ? gcra(s, 1 + i, count, w, i == 0 && policy.burst() > 0 ? share(policy.burst(), divisor) : count, now, verdict, i, peek)
                    : slidingWindow(s, 1 + 3 * i, count, w, now, verdict, i, peek);
            if (wait > 0) {
                allowed = false;
                retry = Math.max(retry, wait);
            } else if (i < 64) {
                passedBy |= 1L << i;
            }
        }
        verdict.allowed = allowed;
        verdict.retryAfterMicros = retry;
        if (allowed) {
            return s;
        }
        if (!peek) {
            // refused: the windows that would have let it through did not count it, so as much is left as before
            for (int i = 0; i < limits.size() && i < 64; i++) {
                if ((passedBy & (1L << i)) != 0) {
                    verdict.remaining[i]++;
                }
            }
        }
        if (policy.banFor() != null && !peek) {
            long[] banned = state != null && state.length == length ? state.clone() : new long[length];
            banned[0] = now + policy.banFor().toNanos() / 1000;
            verdict.banned = true;
            verdict.retryAfterMicros = banned[0] - now;
            return banned;
        }
        return null;
    }

    /** The fallback's share of a count: at least one request. */
    static long share(long count, int divisor) {
        return divisor <= 1 ? count : Math.max(1, count / divisor);
    }

    /**
     * Two-window weighted counter: the previous window's count weighted by how much of it the sliding window still
     * covers, plus the current window's count. Updates {@code s} as if the request passed; returns 0 when it may,
     * else how long until it would.
     */
    private static long slidingWindow(long[] s, int at, long limit, long w, long now, Verdict verdict, int i, boolean peek) {
        long window = now / w;
        long stored = s[at];
        if (stored > window) {
            // another event loop counted a request in the next window already: this one, whose clock reading is
            // a moment older, is counted there too rather than taken for a stale state that wipes the count
            window = stored;
            now = window * w;
        }
        long elapsed = now - window * w;
        long current;
        long previous;
        if (stored == window) {
            current = s[at + 1];
            previous = s[at + 2];
        } else if (stored == window - 1) {
            current = 0;
            previous = s[at + 1];
        } else {
            current = 0;
            previous = 0;
        }
        double estimate = previous * (double) (w - elapsed) / w + current;
        verdict.resetMicros[i] = w - elapsed;
        if (estimate + 1 <= limit + 1e-9) {
            s[at] = window;
            s[at + 1] = current + 1;
            s[at + 2] = previous;
            verdict.remaining[i] = Math.max(0, (long) Math.floor(limit - estimate - (peek ? 0 : 1) + 1e-9));
            return 0;
        }
        verdict.remaining[i] = 0;
        long wait;
        if (current <= limit - 1 && previous > 0) {
            // later in this window, once enough of the previous one has slid out
            long passAt = (long) Math.ceil(w - (double) (limit - 1 - current) * w / previous);
            wait = Math.max(1, passAt - elapsed);
        } else {
            // in the next window, where this window's count is the one sliding out
            long passAt = current == 0 ? 0 : (long) Math.ceil(w - (double) (limit - 1) * w / current);
            wait = (w - elapsed) + Math.max(0, passAt);
        }
        verdict.resetMicros[i] = Math.max(verdict.resetMicros[i], wait);
        return wait;
    }

    /**
     * GCRA (the generic cell rate algorithm, as redis-cell runs it): one timestamp per key, the theoretical arrival
     * time; requests are spaced {@code w / limit} apart and {@code burst} may come at once.
     */
    private static long gcra(long[] s, int at, long limit, long w, long burst, long now, Verdict verdict, int i, boolean peek) {
        long interval = Math.max(1, w / limit);
        long tolerance = burst - 1 > Long.MAX_VALUE / 4 / interval ? Long.MAX_VALUE / 4 : interval * (burst - 1);
        long tat = Math.max(s[at], now);
        if (tat - now > tolerance) {
            verdict.remaining[i] = 0;
            long wait = tat - tolerance - now;
            verdict.resetMicros[i] = tat - now;
            return Math.max(1, wait);
        }
        long next = tat + interval;
        s[at] = next;
        verdict.remaining[i] = Math.max(0, Math.floorDiv(tolerance - ((peek ? tat : next) - now), interval) + 1);
        verdict.resetMicros[i] = next - now;
        return 0;
    }
}
