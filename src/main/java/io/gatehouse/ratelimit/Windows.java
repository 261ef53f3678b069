package io.gatehouse.ratelimit;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A policy's windows for one set of limits (the policy's, or one tier's), with what every request of them shares:
 * the header items as rendered text and the Redis script's arguments as bytes. Built once when the config is
 * compiled, so a request only fills in its own numbers.
 */
final class Windows {
    final List<Limit> limits;
    /**
     * Prefixed to the counted key in the local store: the tier, for a policy with tiers, so callers of different
     * tiers counted under one key (an address) keep apart states, as the per-window keys in Redis do; else empty.
     */
    final String localPrefix;
    /** Quoted item names: {@code "per-ip"}, or {@code "by-tier/1m"} per window. */
    final String[] names;
    /** {@code RateLimit-Policy} items at the full quota. */
    final String[] items;
    /** Each window's full quota as text, for the legacy {@code RateLimit-Limit} fields. */
    final String[] limitTexts;
    /** The script's per-policy arguments (algorithm, dry run, ban, windows, then count, length, burst per window). */
    final byte[][] scriptArgs;
    /** The Redis key suffix of each window ({@code :60}). */
    final String[] keySuffixes;

    Windows(PolicyConfig policy, List<Limit> limits) {
        this(policy, limits, "");
    }

    Windows(PolicyConfig policy, List<Limit> limits, String tier) {
        this.limits = limits;
        this.localPrefix = tier.isEmpty() ? "" : tier + "|";
        this.names = RateLimitHeaders.names(policy.name(), limits);
        this.items = RateLimitHeaders.items(policy.name(), limits);
        this.keySuffixes = new String[limits.size()];
        this.limitTexts = new String[limits.size()];
        this.scriptArgs = new byte[4 + 3 * limits.size()][];
        scriptArgs[0] = bytes(policy.algorithm() == PolicyConfig.Algorithm.GCRA ? 1 : 0);
        scriptArgs[1] = bytes(policy.dryRun() ? 1 : 0);
        scriptArgs[2] = bytes(policy.banFor() == null ? 0 : policy.banFor().toNanos() / 1000);
        scriptArgs[3] = bytes(limits.size());
        for (int i = 0; i < limits.size(); i++) {
            Limit l = limits.get(i);
            limitTexts[i] = Long.toString(l.count());
            keySuffixes[i] = (policy.algorithm() == PolicyConfig.Algorithm.GCRA ? ":gcra:" : ":sw:") + l.window().toSeconds();
            scriptArgs[4 + 3 * i] = bytes(l.count());
            scriptArgs[5 + 3 * i] = bytes(l.windowMicros());
            scriptArgs[6 + 3 * i] = bytes(i == 0 && policy.burst() > 0 ? policy.burst() : l.count());
        }
    }

    private static byte[] bytes(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }
}
