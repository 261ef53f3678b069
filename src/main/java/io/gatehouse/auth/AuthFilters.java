package io.gatehouse.auth;

import io.gatehouse.config.RouteConfig;
import io.gatehouse.pipeline.FilterSet;
import io.gatehouse.pipeline.GatewayFilter;

import java.util.Map;

/**
 * The auth feature compiled for one snapshot: the API-key store, the JWT verifier (with its JWKS refresh and its
 * cache of verified tokens), the token issuer, each route's {@link AuthenticationFilter}, and the
 * {@code POST /auth/token} endpoint in the global stage.
 *
 * @param keys   {@code auth.api-keys}, or null
 * @param jwt    {@code auth.jwt} and/or the issuer's own key, or null
 * @param issuer {@code auth.issuer}, or null
 * @param routes the filter of each route that authenticates or keeps credentials here, by route id
 */
record AuthFilters(AuthConfig config, ApiKeyStore keys, JwtVerifier jwt, TokenIssuer issuer,
                   Map<String, AuthenticationFilter> routes, TokenEndpoint tokens) implements FilterSet {

    @Override
    public GatewayFilter global() {
        return tokens;
    }

    @Override
    public GatewayFilter forRoute(RouteConfig route) {
        return routes.get(route.id());
    }

    @Override
    public void retire(FilterSet successor) {
        // Stops the JWKS refresh, unless the next snapshot verifies with the same verifier (same keys and cache).
        if (jwt != null && (!(successor instanceof AuthFilters next) || next.jwt() != jwt)) {
            jwt.close();
        }
    }
}
