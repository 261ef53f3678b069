package io.gatehouse.pipeline;

import io.gatehouse.config.RouteConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * A filter that exists only in the tests, to prove the chain itself: it applies to routes whose id starts
 * with "filtered", waits asynchronously (a timer, as a Redis call would), can answer the request itself, and
 * marks the response on the way back.
 */
@Singleton
public class MarkingFilter implements GatewayFilter {
    @Inject
    Vertx vertx;

    @Override
    public int order() {
        return ORDER_GUARDS;
    }

    @Override
    public boolean appliesTo(RouteConfig route) {
        return route.id().startsWith("filtered");
    }

    @Override
    public Future<Void> onRequest(Exchange exchange) {
        if ("stop".equals(exchange.request().getHeader("X-Test-Filter"))) {
            exchange.respondError(403, "stopped_by_filter", "the test filter answered");
            return Future.succeededFuture();
        }
        Promise<Void> later = Promise.promise();
        vertx.setTimer(5, id -> later.complete());
        return later.future();
    }

    @Override
    public void onResponse(Exchange exchange) {
        exchange.response().headers().set("X-Test-Filter", "passed:" + exchange.route().id());
    }
}
