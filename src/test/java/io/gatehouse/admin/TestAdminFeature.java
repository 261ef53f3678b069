package io.gatehouse.admin;

import io.gatehouse.pipeline.AdminEndpoint;
import io.gatehouse.pipeline.GatewaySnapshot;
import io.gatehouse.pipeline.ReadinessDetails;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Singleton;

import java.util.function.BiConsumer;

/**
 * A test-only feature's management side, to prove it plugs in: an endpoint of its own under /admin/ (behind the
 * admin credential like every other) and a detail in the readiness report.
 */
final class TestAdminFeature {
    private TestAdminFeature() {
    }

    @Singleton
    static class Endpoint implements AdminEndpoint {
        @Override
        public String path() {
            return "test/snapshot";
        }

        @Override
        public void handle(RoutingContext context, GatewaySnapshot snapshot) {
            context.response().putHeader("Content-Type", "application/json")
                    .end(new JsonObject().put("version", snapshot.version()).encode());
        }
    }

    @Singleton
    static class Readiness implements ReadinessDetails {
        @Override
        public void describe(GatewaySnapshot snapshot, BiConsumer<String, Object> detail) {
            detail.accept("test.routes", snapshot.compiledRoutes().size());
        }
    }
}
