package io.gatehouse.ratelimit;

import java.util.List;
import java.util.Map;

/**
 * The {@code rate-limits} section.
 *
 * @param policies       by name, in config order
 * @param global         the policies of {@code defaults.global}: run on every request, before authentication
 * @param headers        which rate-limit headers answers carry
 * @param maxKeys        per policy, the most keys a {@code local} store remembers (idle ones go first)
 * @param statusEndpoint whether {@code GET /ratelimit/status} answers on the traffic port
 */
public record RateLimitsConfig(Map<String, PolicyConfig> policies, List<String> global, Headers headers, long maxKeys,
                               boolean statusEndpoint) {
    public enum Headers {
        /** The IETF draft's {@code RateLimit-Policy} and {@code RateLimit} and the older set with its twins. */
        BOTH,
        /** {@code RateLimit-Policy} and {@code RateLimit} (draft-ietf-httpapi-ratelimit-headers). */
        DRAFT,
        /** {@code RateLimit-Limit}, {@code -Remaining}, {@code -Reset} and their {@code X-RateLimit-*} twins. */
        LEGACY,
        NONE
    }

    public static final long DEFAULT_MAX_KEYS = 100_000;

    public RateLimitsConfig {
        policies = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(policies));
        global = List.copyOf(global);
    }
}
