package io.gatehouse.ratelimit;

import io.vertx.core.MultiMap;

import java.util.List;

/**
 * The rate-limit fields of an answer. draft-ietf-httpapi-ratelimit-headers: {@code RateLimit-Policy} lists each
 * policy window's quota ({@code "per-ip";q=100;w=60}) and {@code RateLimit} what is left of it and when it resets
 * ({@code "per-ip";r=42;t=17}); a policy with several windows names each {@code "name/window"}. The older
 * convention, {@code RateLimit-Limit}, {@code -Remaining} and {@code -Reset} with their {@code X-RateLimit-*} twins,
 * holds one window: the one with the least left.
 */
final class RateLimitHeaders {
    private RateLimitHeaders() {
    }

    static void write(MultiMap headers, List<Verdict> verdicts, RateLimitsConfig.Headers which) {
        if (verdicts.isEmpty() || which == RateLimitsConfig.Headers.NONE) {
            return;
        }
        if (which != RateLimitsConfig.Headers.LEGACY) {
            StringBuilder policy = new StringBuilder();
            StringBuilder state = new StringBuilder();
            for (Verdict v : verdicts) {
                boolean several = v.limits.size() > 1;
                for (int i = 0; i < v.limits.size(); i++) {
                    String name = several ? v.policy.name() + "/" + window(v.limits.get(i)) : v.policy.name();
                    if (policy.length() > 0) {
                        policy.append(", ");
                        state.append(", ");
                    }
                    policy.append('"').append(name).append("\";q=").append(v.limit[i])
                            .append(";w=").append(v.limits.get(i).window().toSeconds());
                    state.append('"').append(name).append("\";r=").append(v.remaining[i])
                            .append(";t=").append(Verdict.seconds(v.resetMicros[i]));
                }
            }
            headers.set("RateLimit-Policy", policy.toString());
            headers.set("RateLimit", state.toString());
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
            String limit = Long.toString(tightest.limit[window]);
            String remaining = Long.toString(tightest.remaining[window]);
            String reset = Long.toString(Verdict.seconds(tightest.resetMicros[window]));
            headers.set("RateLimit-Limit", limit).set("RateLimit-Remaining", remaining).set("RateLimit-Reset", reset)
                    .set("X-RateLimit-Limit", limit).set("X-RateLimit-Remaining", remaining).set("X-RateLimit-Reset", reset);
        }
    }

    private static String window(Limit limit) {
        String text = limit.toString();
        return text.substring(text.indexOf('/') + 1);
    }
}
