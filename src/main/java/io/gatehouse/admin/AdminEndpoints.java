package io.gatehouse.admin;

import io.gatehouse.pipeline.AdminEndpoint;
import io.gatehouse.pipeline.GatewaySnapshot;
import io.gatehouse.pipeline.LiveSnapshot;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/** The admin API's own endpoints; features add theirs the same way, as {@link AdminEndpoint} beans. */
final class AdminEndpoints {
    private AdminEndpoints() {
    }

    /** {@code GET /admin/routes}. */
    @Singleton
    static class Routes implements AdminEndpoint {
        @Override
        public String path() {
            return "routes";
        }

        @Override
        public void handle(RoutingContext context, GatewaySnapshot snapshot) {
            AdminViews.json(context, AdminViews.routes(snapshot));
        }
    }

    /** {@code GET /admin/upstreams}. */
    @Singleton
    static class Upstreams implements AdminEndpoint {
        @Inject
        MetricsSampler sampler;

        @Override
        public String path() {
            return "upstreams";
        }

        @Override
        public void handle(RoutingContext context, GatewaySnapshot snapshot) {
            AdminViews.json(context, AdminViews.upstreams(snapshot, sampler));
        }
    }

    /** {@code GET /admin/config}. */
    @Singleton
    static class Config implements AdminEndpoint {
        @Inject
        LiveSnapshot state;

        @Override
        public String path() {
            return "config";
        }

        @Override
        public void handle(RoutingContext context, GatewaySnapshot snapshot) {
            AdminViews.json(context, AdminViews.config(snapshot, state));
        }
    }
}
