package io.gatehouse.auth;

import io.gatehouse.config.RouteConfig;
import io.gatehouse.observe.AuthMetrics;
import io.gatehouse.pipeline.CompiledRoute;
import io.gatehouse.pipeline.Exchange;
import io.gatehouse.pipeline.GatewayFilter;
import io.vertx.core.Future;
import jakarta.inject.Singleton;

/**
 * Authenticates requests on routes with {@code auth: api-key}: the key in the configured header must be one of
 * {@code auth.api-keys}. A missing or unknown key is answered with 401 and a {@code WWW-Authenticate} challenge
 * naming the header, and the upstream is never called; an accepted key puts its {@link Principal} on the
 * exchange. The key store comes from the request's snapshot (compiled once per config), so a reload that
 * changes the keys applies to new requests at once.
 */
@Singleton
public class AuthenticationFilter implements GatewayFilter {
    static final String WWW_AUTHENTICATE = "WWW-Authenticate";

    @Override
    public int order() {
        return ORDER_AUTHENTICATION;
    }

    @Override
    public boolean appliesTo(RouteConfig route) {
        return route.authenticated();
    }

    @Override
    public Future<Void> onRequest(Exchange exchange) {
        CompiledRoute route = exchange.route();
        AuthMetrics metrics = route.authMetrics();
        ApiKeyStore keys = exchange.snapshot().apiKeys();
        if (keys == null) {
            // The config parser refuses an api-key route without auth.api-keys; refuse rather than let it through.
            metrics.invalid();
            exchange.respondError(401, "unauthorized", "no API keys are configured");
            return Future.succeededFuture();
        }
        String presented = exchange.request().getHeader(keys.header());
        if (presented == null || presented.isEmpty()) {
            metrics.missing();
            exchange.respondError(401, "unauthorized", "an API key is required in the " + keys.header() + " header",
                    WWW_AUTHENTICATE, keys.challenge());
            return Future.succeededFuture();
        }
        Principal principal = keys.find(presented);
        if (principal == null) {
            metrics.invalid();
            // Never echo the presented key: error bodies end up in client logs and screenshots.
            exchange.respondError(401, "unauthorized", "the API key is not valid",
                    WWW_AUTHENTICATE, keys.challenge());
            return Future.succeededFuture();
        }
        exchange.principal(principal);
        if (route.config().roles().isEmpty()) {
            metrics.ok(); // otherwise authorization records the request's outcome
        }
        return Future.succeededFuture();
    }
}
