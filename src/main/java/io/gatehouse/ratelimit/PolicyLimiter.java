package io.gatehouse.ratelimit;

import io.gatehouse.pipeline.Caller;
import io.gatehouse.pipeline.Exchange;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * One policy at run time: its config, its local counters (its store, or the fallback of a {@code redis} policy),
 * and how it finds a request's counted key and windows. Shared by every route that names the policy, so they
 * share its counters; kept across reloads while the policy's config stays the same.
 */
final class PolicyLimiter {
    /** Longer header values are counted by their hash: a key never holds more than this of what a client sent. */
    private static final int MAX_HEADER_KEY = 128;

    final PolicyConfig config;
    final LocalCounters local;
    /** The policy's windows, or null when it has tiers. */
    private final Windows windows;
    /** Each tier's windows, by tier name. */
    private final java.util.Map<String, Windows> tiers;
    private final Windows defaultTier;

    PolicyLimiter(PolicyConfig config, long maxKeys) {
        this.config = config;
        this.local = new LocalCounters(config, maxKeys);
        this.windows = config.tiers().isEmpty() ? new Windows(config, config.limits()) : null;
        java.util.Map<String, Windows> byTier = new java.util.HashMap<>();
        config.tiers().forEach((tier, limits) -> byTier.put(tier, new Windows(config, limits, tier)));
        this.tiers = java.util.Map.copyOf(byTier);
        this.defaultTier = tiers.get(PolicyConfig.DEFAULT_TIER);
    }

    /** The key this request is counted by (a caller the key needs but the request lacks: its address). */
    String countedKey(Exchange exchange) {
        KeySpec key = config.key();
        switch (key.kind()) {
            case IP:
                return address(exchange);
            case USER: {
                Caller caller = exchange.caller();
                return caller != null ? "user:" + caller.id() : address(exchange);
            }
            case API_KEY: {
                Caller caller = exchange.caller();
                String id = caller == null ? null : caller.apiKeyId();
                return id != null ? "key:" + id : address(exchange);
            }
            case ROUTE:
                return "route:" + (exchange.route() == null ? "" : exchange.route().id());
            case HEADER: {
                String value = exchange.request().headers().get(key.header());
                if (value == null) {
                    return address(exchange);
                }
                return "h:" + (value.length() <= MAX_HEADER_KEY ? value : sha256(value));
            }
            default:
                return "global";
        }
    }

    /** The client's address as this policy counts it: its prefix ({@code ipv4-prefix}, {@code ipv6-prefix}). */
    private String address(Exchange exchange) {
        return "ip:" + IpPrefix.of(exchange.clientIp(), config.ipv4Prefix(), config.ipv6Prefix());
    }

    /** The windows this request is counted in: the policy's, or its caller's tier's; null when no tier fits. */
    Windows windows(Exchange exchange) {
        if (windows != null) {
            return windows;
        }
        String tier = tier(exchange.caller());
        Windows w = tier == null ? null : tiers.get(tier);
        return w != null ? w : defaultTier;
    }

    /** The caller's tier as this policy reads it (null for anonymous callers and callers without one). */
    String tier(Caller caller) {
        return caller == null ? null : caller.tier(config.tierClaim());
    }

    private static String sha256(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
