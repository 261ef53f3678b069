package io.gatehouse.ratelimit;

import io.gatehouse.pipeline.AdminEndpoint;
import io.gatehouse.pipeline.FilterSet;
import io.gatehouse.pipeline.GatewaySnapshot;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * {@code GET /admin/ratelimits/top[?limit=N]}: the keys this replica refused most often, by policy, from the
 * bounded Space-Saving sketch ({@link TopKeys}; {@code count} may overstate a key by at most its {@code error}).
 */
@Singleton
public class TopKeysEndpoint implements AdminEndpoint {
    private final RateLimitFeature feature;

    @Inject
    public TopKeysEndpoint(RateLimitFeature feature) {
        this.feature = feature;
    }

    @Override
    public String path() {
        return "ratelimits/top";
    }

    @Override
    public void handle(RoutingContext context, GatewaySnapshot snapshot) {
        int limit = 20;
        String asked = context.request().getParam("limit");
        if (asked != null) {
            try {
                limit = Math.max(1, Math.min(RateLimitFeature.TOP_KEYS, Integer.parseInt(asked)));
            } catch (NumberFormatException e) {
                context.response().setStatusCode(400).putHeader("Content-Type", "application/json")
                        .end(new JsonObject().put("status", 400).put("error", "bad_request")
                                .put("message", "limit must be a whole number").encode());
                return;
            }
        }
        FilterSet set = snapshot.features().get(feature);
        JsonArray keys = new JsonArray();
        if (set instanceof RateLimits limits) {
            for (TopKeys.Entry e : limits.top().top(limit)) {
                keys.add(new JsonObject().put("policy", e.policy()).put("key", e.key()).put("limited", e.count())
                        .put("error", e.error()));
            }
        }
        context.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
                .end(new JsonObject().put("replica", "this replica only: each gateway counts what it refused")
                        .put("keys", keys).encode());
    }
}
