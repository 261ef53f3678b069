package io.gatehouse.ratelimit;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;

import java.util.List;

/**
 * The rate-limit fields of an answer. draft-ietf-httpapi-ratelimit-headers: {@code RateLimit-Policy} lists each
 * policy window's quota ({@code "per-ip";q=100;w=60}) and {@code RateLimit} what is left of it and when it resets
 * ({@code "per-ip";r=42;t=17}); a policy with several windows names each {@code "name/window"}. The older
 * convention, {@code RateLimit-Limit}, {@code -Remaining} and {@code -Reset} with their {@code X-RateLimit-*} twins,
 * holds one window: the one with the least left.
 */
final class RateLimitHeaders {
    // encoded once: names the response encoder need not validate or hash again per answer
    private static final CharSequence POLICY = HttpHeaders.createOptimized("RateLimit-Policy");
    private static final CharSequence STATE = HttpHeaders.createOptimized("RateLimit");
    private static final CharSequence LIMIT = HttpHeaders.createOptimized("RateLimit-Limit");
    private static final CharSequence REMAINING = HttpHeaders.createOptimized("RateLimit-Remaining");
    private static final CharSequence RESET = HttpHeaders.createOptimized("RateLimit-Reset");
    private static final CharSequence X_LIMIT = HttpHeaders.createOptimized("X-RateLimit-Limit");
    private static final CharSequence X_REMAINING = HttpHeaders.createOptimized("X-RateLimit-Remaining");
    private static final CharSequence X_RESET = HttpHeaders.createOptimized("X-RateLimit-Reset");

    private RateLimitHeaders() {
    }

    static void write(MultiMap headers, List<Verdict> verdicts, RateLimitsConfig.Headers which) {
        if (verdicts.isEmpty() || which == RateLimitsConfig.Headers.NONE) {
            return;
        }
        if (verdicts.size() == 1 && verdicts.get(0).limit.length == 1) {
            writeOne(headers, verdicts.get(0), which);
            return;
        }
        if (which != RateLimitsConfig.Headers.LEGACY) {
            StringBuilder policy = new StringBuilder(64);
            StringBuilder state = new StringBuilder(64);
            for (int at = 0; at < verdicts.size(); at++) {
                Verdict v = verdicts.get(at);
                String[] names = v.windows.names;
                for (int i = 0; i < names.length; i++) {
                    if (policy.length() > 0) {
                        policy.append(", ");
                        state.append(", ");
                    }
                    if (v.divisor == 1) {
                        policy.append(v.windows.items[i]); // the quota never changes: rendered once per policy and tier
                    } else {
                        policy.append(names[i]).append(";q=").append(v.limit[i])
                                .append(";w=").append(v.limits.get(i).window().toSeconds());
                    }
                    state.append(names[i]).append(";r=").append(v.remaining[i])
                            .append(";t=").append(Verdict.seconds(v.resetMicros[i]));
                }
            }
            headers.set(POLICY, policy.toString());
            headers.set(STATE, state.toString());
        }
        if (which != RateLimitsConfig.Headers.DRAFT) {
            Verdict tightest = null;
            int window = 0;
            for (Verdict v : verdicts) {
                int i = v.tightest();
                if (tightest == null || v.remaining[i] < tightest.remaining[window]
                        || v.remaining[i] == tightest.remaining[window] && v.resetMicros[i] > tightest.resetMicros[window]) {
                    tightest = v;
                    window = i;
                }
            }
            String limit = limitText(tightest, window);
            String remaining = Long.toString(tightest.remaining[window]);
            String reset = Long.toString(Verdict.seconds(tightest.resetMicros[window]));
            headers.set(LIMIT, limit).set(REMAINING, remaining).set(RESET, reset)
                    .set(X_LIMIT, limit).set(X_REMAINING, remaining).set(X_RESET, reset);
        }
    }

    /**
     * The common case, one policy of one window, on every answer of its route: two numbers made text once each (what
     * is left, and when it resets), the quota's text made at load.
     */
    private static void writeOne(MultiMap headers, Verdict v, RateLimitsConfig.Headers which) {
        String remaining = Long.toString(v.remaining[0]);
        String reset = Long.toString(Verdict.seconds(v.resetMicros[0]));
        if (which != RateLimitsConfig.Headers.LEGACY) {
            headers.set(POLICY, v.divisor == 1 ? v.windows.items[0] : v.windows.names[0] + ";q=" + v.limit[0]
                    + ";w=" + v.limits.get(0).window().toSeconds());
            headers.set(STATE, v.windows.names[0] + ";r=" + remaining + ";t=" + reset);
        }
        if (which != RateLimitsConfig.Headers.DRAFT) {
            String limit = limitText(v, 0);
            headers.set(LIMIT, limit).set(REMAINING, remaining).set(RESET, reset)
                    .set(X_LIMIT, limit).set(X_REMAINING, remaining).set(X_RESET, reset);
        }
    }

    private static String limitText(Verdict v, int window) {
        return v.limit[window] == v.limits.get(window).count() ? v.windows.limitTexts[window]
                : Long.toString(v.limit[window]);
    }

    /** The quoted item names of a policy's windows: {@code "per-ip"}, or {@code "by-tier/1m"} per window. */
    static String[] names(String policy, List<Limit> limits) {
        String[] names = new String[limits.size()];
        for (int i = 0; i < names.length; i++) {
            names[i] = '"' + (limits.size() > 1 ? policy + "/" + limits.get(i).windowText() : policy) + '"';
        }
        return names;
    }

    /** The {@code RateLimit-Policy} items of a policy's windows at their full quota. */
    static String[] items(String policy, List<Limit> limits) {
        String[] names = names(policy, limits);
        String[] items = new String[names.length];
        for (int i = 0; i < items.length; i++) {
            items[i] = names[i] + ";q=" + limits.get(i).count() + ";w=" + limits.get(i).window().toSeconds();
        }
        return items;
    }
}
