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

    /**
     * {@code GET /admin/tls}: what the TLS port serves now (each certificate's file, subject, names and expiry), its
     * engine, and why the last change of the files was refused, if it was.
     */
    @Singleton
    static class Tls implements AdminEndpoint {
        @Inject
        io.gatehouse.tls.TlsListener tls;

        @Override
        public String path() {
            return "tls";
        }

        @Override
        public void handle(RoutingContext context, GatewaySnapshot snapshot) {
            java.util.Map<String, Object> view = new java.util.LinkedHashMap<>();
            io.gatehouse.config.TlsConfig config = snapshot.config().server().tls();
            view.put("enabled", tls.engine() != null);
            view.put("engine", tls.engine());
            view.put("clientAuth", config == null ? null : config.clientAuth().name().toLowerCase(java.util.Locale.ROOT));
            java.util.List<Object> certificates = new java.util.ArrayList<>();
            long now = System.currentTimeMillis();
            for (io.gatehouse.tls.TlsMaterial.Served served : tls.served()) {
                java.util.Map<String, Object> c = new java.util.LinkedHashMap<>();
                c.put("file", served.file());
                c.put("subject", served.subject());
                c.put("names", served.names());
                c.put("notAfter", served.notAfter().toString());
                c.put("daysLeft", Math.floorDiv(served.notAfter().toEpochMilli() - now, 86_400_000L));
                certificates.add(c);
            }
            view.put("certificates", certificates);
            view.put("lastRefusal", tls.lastRefusal());
            AdminViews.json(context, new io.vertx.core.json.JsonObject(view));
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
