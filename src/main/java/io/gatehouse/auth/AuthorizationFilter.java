package io.gatehouse.auth;

import io.gatehouse.config.RouteConfig;
import io.gatehouse.pipeline.CompiledRoute;
import io.gatehouse.pipeline.Exchange;
import io.gatehouse.pipeline.GatewayFilter;
import io.vertx.core.Future;
import jakarta.inject.Singleton;

/**
 * Admits a request on a route with {@code roles:} only when its principal holds at least one of them; otherwise
 * 403. Runs after {@link AuthenticationFilter}, which the config guarantees on every route with roles.
 */
@Singleton
public class AuthorizationFilter implements GatewayFilter {

    @Override
    public int order() {
        return ORDER_AUTHORIZATION;
    }

    @Override
    public boolean appliesTo(RouteConfig route) {
        return !route.roles().isEmpty();
    }

    @Override
    public Future<Void> onRequest(Exchange exchange) {
        CompiledRoute route = exchange.route();
        Principal principal = exchange.principal();
        if (principal == null || !principal.holdsAny(route.config().roles())) {
            if (route.authMetrics() != null) {
                route.authMetrics().forbidden();
            }
            exchange.respondError(403, "forbidden", "the credential does not hold a role this route needs");
            return Future.succeededFuture();
        }
        route.authMetrics().ok();
        return Future.succeededFuture();
    }
}
