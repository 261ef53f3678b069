package io.gatehouse.admin;

import io.gatehouse.pipeline.GatewaySnapshot;
import io.gatehouse.pipeline.LiveSnapshot;
import io.gatehouse.upstream.Target;
import io.gatehouse.upstream.Upstream;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Comparator;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** The JSON of {@code /admin/metrics} and {@code /admin/status.json}. */
final class MetricsView {
    /** The status page's window: short, so that a change shows within a few polls. */
    static final int STATUS_WINDOW_SECONDS = 10;

    private MetricsView() {
    }

    static JsonObject metrics(GatewaySnapshot snapshot, MetricsSampler sampler, int windowSeconds) {
        MetricsSampler.Sample[] w = sampler.window(windowSeconds);
        MetricsSampler.Sample from = w[0];
        MetricsSampler.Sample now = w[1];
        Set<String> configured = new HashSet<>();
        snapshot.config().routes().forEach(r -> configured.add(r.id()));

        // totals: every route label (unmatched requests and the gateway's own endpoints included)
        MetricsSampler.Reading total = new MetricsSampler.Reading();
        MetricsSampler.Reading totalBefore = new MetricsSampler.Reading();
        sum(now.routes(), total);
        sum(from.routes(), totalBefore);
        MetricsSampler.Window tw = MetricsSampler.between(from, now, totalBefore, total);

        JsonArray routes = new JsonArray();
        now.routes().forEach((id, reading) -> {
            MetricsSampler.Window rw = MetricsSampler.between(from, now, from.routes().get(id), reading);
            routes.add(new JsonObject()
                    .put("id", id)
                    .put("configured", configured.contains(id))
                    .put("requests", (long) reading.requests())
                    .put("byStatusClass", byStatusClass(reading))
                    .put("requestsPerSecond", AdminViews.round(rw.perSecond()))
                    .put("errorRate", AdminViews.round(rw.errorRate()))
                    .put("latencyMs", AdminViews.latency(rw)));
        });

        JsonArray targets = new JsonArray();
        snapshot.upstreams().values().stream().sorted(Comparator.comparing(Upstream::name)).forEach(u -> {
            for (Target t : u.targets()) {
                String key = MetricsSampler.targetKey(u.name(), t.url());
                MetricsSampler.Reading reading = now.targets().get(key);
                MetricsSampler.Window tgw = MetricsSampler.between(from, now, from.targets().get(key), reading);
                targets.add(new JsonObject()
                        .put("upstream", u.name())
                        .put("url", t.url())
                        .put("requests", reading == null ? 0 : (long) reading.requests())
                        .put("failures", reading == null ? 0 : (long) reading.failures)
                        .put("requestsPerSecond", AdminViews.round(tgw.perSecond()))
                        .put("errorRate", AdminViews.round(tgw.errorRate()))
                        .put("latencyMs", AdminViews.latency(tgw))
                        .put("inFlight", t.inFlight()));
            }
        });

        return new JsonObject()
                .put("replica", AdminViews.REPLICA)
                .put("note", AdminViews.ONE_REPLICA)
                .put("windowSeconds", AdminViews.round(tw.seconds()))
                .put("totals", new JsonObject()
                        .put("requests", (long) total.requests())
                        .put("byStatusClass", byStatusClass(total))
                        .put("inFlight", snapshot.usage().inFlight())
                        .put("requestsPerSecond", AdminViews.round(tw.perSecond()))
                        .put("errorRate", AdminViews.round(tw.errorRate()))
                        .put("latencyMs", AdminViews.latency(tw)))
                .put("routes", routes)
                .put("targets", targets);
    }

    static JsonObject status(GatewaySnapshot snapshot, MetricsSampler sampler, ReloadHistory reloads, LiveSnapshot state) {
        JsonObject metrics = metrics(snapshot, sampler, STATUS_WINDOW_SECONDS);
        // the configured routes, in file order (with their numbers), then nothing else: the page is about the config
        Map<String, JsonObject> byId = new java.util.HashMap<>();
        metrics.getJsonArray("routes").forEach(r -> byId.put(((JsonObject) r).getString("id"), (JsonObject) r));
        JsonArray routes = new JsonArray();
        snapshot.compiledRoutes().forEach(route -> {
            String id = route.config().id();
            JsonObject m = byId.get(id);
            routes.add(new JsonObject()
                    .put("id", id)
                    .put("path", route.config().path())
                    .put("upstream", route.config().upstream())
                    .put("requestsPerSecond", m == null ? 0.0 : m.getValue("requestsPerSecond"))
                    .put("errorRate", m == null ? 0.0 : m.getValue("errorRate"))
                    .put("latencyMs", m == null ? new JsonObject() : m.getJsonObject("latencyMs")));
        });
        JsonArray upstreams = new JsonArray();
        snapshot.upstreams().values().stream().sorted(Comparator.comparing(Upstream::name)).forEach(u -> {
            JsonArray targets = new JsonArray();
            u.targets().forEach(t -> targets.add(AdminViews.target(u, t)));
            upstreams.add(new JsonObject().put("name", u.name()).put("available", u.availableTargets())
                    .put("targets", targets));
        });
        return new JsonObject()
                .put("replica", AdminViews.REPLICA)
                .put("note", AdminViews.ONE_REPLICA)
                .put("now", java.time.Instant.now().toString())
                .put("config", new JsonObject()
                        .put("version", snapshot.version())
                        .put("source", snapshot.source())
                        .put("loadedAt", snapshot.loadedAt().toString())
                        .put("lastReloadError", state.lastError()))
                .put("windowSeconds", metrics.getValue("windowSeconds"))
                .put("totals", metrics.getJsonObject("totals"))
                .put("routes", routes)
                .put("upstreams", upstreams)
                .put("reloads", reloads.json());
    }

    private static void sum(Map<String, MetricsSampler.Reading> readings, MetricsSampler.Reading into) {
        for (MetricsSampler.Reading r : readings.values()) {
            for (int i = 0; i < into.statusClasses.length; i++) {
                into.statusClasses[i] += r.statusClasses[i];
            }
            if (into.bounds.length == 0 && r.bounds.length > 0) {
                into.bounds = r.bounds.clone();
                into.cumulative = new double[r.bounds.length];
            }
            if (r.cumulative.length == into.cumulative.length) {
                for (int i = 0; i < into.cumulative.length; i++) {
                    into.cumulative[i] += r.cumulative[i];
                }
            }
            into.latencyCount += r.latencyCount;
        }
    }

    private static JsonObject byStatusClass(MetricsSampler.Reading reading) {
        JsonObject o = new JsonObject();
        for (int i = 0; i < MetricsSampler.STATUS_CLASSES.length; i++) {
            o.put(MetricsSampler.STATUS_CLASSES[i], (long) reading.statusClasses[i]);
        }
        return o;
    }
}
