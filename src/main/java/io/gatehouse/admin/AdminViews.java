package io.gatehouse.admin;

import io.gatehouse.config.RouteConfig;
import io.gatehouse.pipeline.GatewayFilter;
import io.gatehouse.pipeline.GatewaySnapshot;
import io.gatehouse.pipeline.LiveSnapshot;
import io.gatehouse.upstream.Target;
import io.gatehouse.upstream.Upstream;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.Arrays;
import java.util.Comparator;

/** The built-in admin views of the live snapshot: what a person debugging the gateway asks first. */
final class AdminViews {
    private AdminViews() {
    }

    static void json(RoutingContext ctx, Object body) {
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .end(body instanceof JsonObject o ? o.encodePrettily() : ((JsonArray) body).encodePrettily());
    }

    /** {@code GET /admin/routes}: each route in file order, with the filters its chain runs. */
    static JsonArray routes(GatewaySnapshot snapshot) {
        JsonArray routes = new JsonArray();
        snapshot.compiledRoutes().forEach(route -> {
            RouteConfig rc = route.config();
            routes.add(new JsonObject()
                    .put("id", rc.id())
                    .put("path", rc.path())
                    .put("methods", new JsonArray(rc.sortedMethods()))
                    .put("host", rc.host())
                    .put("headers", new JsonObject(new java.util.HashMap<>(rc.headers())))
                    .put("upstream", rc.upstream())
                    .put("stripPrefix", rc.stripPrefix())
                    .put("rewrite", rc.rewrite())
                    .put("timeoutMs", route.timeoutMillis())
                    .put("filters", new JsonArray(Arrays.stream(route.filters()).map(AdminViews::filterName).toList())));
        });
        return routes;
    }

    private static String filterName(GatewayFilter filter) {
        Class<?> type = filter.getClass();
        String outer = type.getEnclosingClass() == null ? "" : type.getEnclosingClass().getSimpleName() + ".";
        return type.getPackageName().substring(type.getPackageName().lastIndexOf('.') + 1) + "/" + outer + type.getSimpleName();
    }

    /** {@code GET /admin/upstreams}: each upstream and the state of its targets. */
    static JsonArray upstreams(GatewaySnapshot snapshot) {
        JsonArray upstreams = new JsonArray();
        snapshot.upstreams().values().stream().sorted(Comparator.comparing(Upstream::name)).forEach(u -> {
            JsonArray targets = new JsonArray();
            for (Target t : u.targets()) {
                targets.add(new JsonObject()
                        .put("url", t.url())
                        .put("weight", t.weight())
                        .put("available", t.available())
                        .put("healthy", t.state().activeHealthy())
                        .put("ejected", t.state().ejected())
                        .put("circuitOpen", t.state().breakerOpen())
                        .put("inFlight", t.inFlight()));
            }
            upstreams.add(new JsonObject()
                    .put("name", u.name())
                    .put("balancer", u.config().balancer())
                    .put("available", u.availableTargets())
                    .put("targets", targets));
        });
        return upstreams;
    }

    /** {@code GET /admin/config}: which config is live, and why the last reload was refused, if it was. */
    static JsonObject config(GatewaySnapshot snapshot, LiveSnapshot state) {
        return new JsonObject()
                .put("version", snapshot.version())
                .put("source", snapshot.source())
                .put("loadedAt", snapshot.loadedAt().toString())
                .put("routes", snapshot.config().routes().size())
                .put("upstreams", snapshot.config().upstreams().size())
                .put("inFlight", snapshot.usage().inFlight())
                .put("lastReloadError", state.lastError());
    }
}
