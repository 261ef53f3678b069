package io.gatehouse.pipeline;

import io.gatehouse.auth.ApiKeyStore;
import io.gatehouse.auth.JwtVerifier;
import io.gatehouse.auth.TokenIssuer;
import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.observe.RouteMetrics;
import io.gatehouse.routing.RouteTable;
import io.gatehouse.upstream.Upstream;

import java.time.Instant;
import java.util.Map;

/**
 * Everything one config produces, immutable: the route table, each route's chain, the upstreams with their
 * balancers and pools. A reload builds a new snapshot and swaps one reference; a request keeps the snapshot
 * it started with until it is done.
 *
 * @param apiKeys the compiled {@code auth.api-keys}, or null when the config has none
 * @param jwt     the compiled {@code auth.jwt} and/or the issuer's own key (with the cache of verified tokens), or
 *                null when the config has neither
 * @param issuer  the compiled {@code auth.issuer} ({@code POST /auth/token}), or null when the config has none
 * @param trustedProxies {@code server.trusted-proxies}: whose forwarding headers are believed
 */
public record GatewaySnapshot(
        long version,
        String source,
        Instant loadedAt,
        GatehouseConfig config,
        RouteTable<CompiledRoute> routes,
        Map<String, Upstream> upstreams,
        RouteMetrics unmatchedMetrics,
        ApiKeyStore apiKeys,
        JwtVerifier jwt,
        TokenIssuer issuer,
        TrustedProxies trustedProxies) {
}
