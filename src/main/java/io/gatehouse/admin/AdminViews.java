package io.gatehouse.admin;

import io.gatehouse.config.RouteConfig;
import io.gatehouse.pipeline.GatewayFilter;
import io.gatehouse.pipeline.GatewaySnapshot;
import io.gatehouse.pipeline.LiveSnapshot;
import io.gatehouse.upstream.HealthCheckResult;
import io.gatehouse.upstream.Target;
import io.gatehouse.upstream.TargetState;
import io.gatehouse.upstream.Upstream;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;

/** The built-in admin views of the live snapshot: what a person debugging the gateway asks first. */
final class AdminViews {
    private AdminViews() {
    }

    static void json(RoutingContext ctx, Object body) {
        json(ctx, 200, body);
    }

    static void json(RoutingContext ctx, int status, Object body) {
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader("X-Gatehouse-Replica", REPLICA)
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

    /** What names this replica in the answers: the pod name in Kubernetes ({@code HOSTNAME}), else the process id. */
    static final String REPLICA = replica();
    static final String ONE_REPLICA = "these numbers and states are this replica's only (" + REPLICA
            + "); behind a load balancer every replica has its own";

    private static String replica() {
        String host = System.getenv("HOSTNAME");
        return host != null && !host.isBlank() ? host : "pid " + ProcessHandle.current().pid();
    }

    /** {@code GET /admin/upstreams}: each upstream and the state of its targets, with their recent traffic. */
    static JsonArray upstreams(GatewaySnapshot snapshot, MetricsSampler sampler) {
        MetricsSampler.Sample[] window = sampler.window(MetricsSampler.KEEP_SECONDS);
        JsonArray upstreams = new JsonArray();
        snapshot.upstreams().values().stream().sorted(Comparator.comparing(Upstream::name)).forEach(u -> {
            JsonArray targets = new JsonArray();
            for (Target t : u.targets()) {
                MetricsSampler.Window w = MetricsSampler.between(window[0], window[1],
                        window[0].targets().get(MetricsSampler.targetKey(u.name(), t.url())),
                        window[1].targets().get(MetricsSampler.targetKey(u.name(), t.url())));
                targets.add(target(u, t)
                        .put("recent", new JsonObject()
                                .put("windowSeconds", round(w.seconds()))
                                .put("requests", (long) w.requests())
                                .put("errors", (long) w.errors())
                                .put("errorRate", round(w.errorRate()))
                                .put("latencyMs", latency(w))));
            }
            upstreams.add(new JsonObject()
                    .put("name", u.name())
                    .put("balancer", u.config().balancer())
                    .put("healthCheck", u.config().healthCheck() == null ? null : u.config().healthCheck().path())
                    .put("available", u.availableTargets())
                    .put("targets", targets));
        });
        return upstreams;
    }

    /** A target's state now: what the balancers see, and why. */
    static JsonObject target(Upstream u, Target t) {
        TargetState state = t.state();
        HealthCheckResult check = state.lastCheck();
        String health = u.config().healthCheck() == null ? "unchecked" : state.activeHealthy() ? "healthy" : "unhealthy";
        long ejectedUntil = state.ejectedUntilMillis();
        String circuit = t.circuitState();
        // one word for people: the first reason the target gets no traffic, or up
        String summary = state.drained() ? "drained" : !state.activeHealthy() ? "down" : state.ejected() ? "ejected"
                : "open".equals(circuit) ? "circuit-open" : "up";
        return new JsonObject()
                .put("url", t.url())
                .put("hostPort", t.host() + ":" + t.port())
                .put("weight", t.weight())
                .put("state", summary)
                .put("available", t.available())
                .put("drained", state.drained())
                .put("health", health)
                .put("healthy", state.activeHealthy())
                .put("lastCheck", check == null ? null : new JsonObject()
                        .put("at", check.at().toString())
                        .put("ok", check.ok())
                        .put("status", check.status() == 0 ? null : check.status())
                        .put("error", check.error())
                        .put("durationMs", check.millis()))
                .put("circuit", circuit)
                .put("circuitOpen", state.breakerOpen())
                .put("ejected", state.ejected())
                .put("ejectedUntil", ejectedUntil == 0 ? null : Instant.ofEpochMilli(ejectedUntil).toString())
                .put("inFlight", t.inFlight());
    }

    static JsonObject latency(MetricsSampler.Window w) {
        return new JsonObject().put("p50", round(w.p50())).put("p90", round(w.p90())).put("p99", round(w.p99()));
    }

    /** Rounded to 3 decimals; null for NaN (no values in the window), which JSON cannot carry. */
    static Double round(double value) {
        return Double.isNaN(value) || Double.isInfinite(value) ? null : Math.round(value * 1000) / 1000.0;
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
                .put("lastReloadError", state.lastError())
                .put("sha256", snapshot.config().document().sha256())
                // the file as loaded, secrets redacted; ${VAR} references as written, never resolved
                .put("config", new JsonObject(snapshot.config().document().redacted()));
    }
}
