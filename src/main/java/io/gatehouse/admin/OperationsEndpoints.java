package io.gatehouse.admin;

import io.gatehouse.config.ConfigException;
import io.gatehouse.config.ConfigExtension;
import io.gatehouse.config.ConfigParser;
import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.pipeline.AdminEndpoint;
import io.gatehouse.pipeline.GatewaySnapshot;
import io.gatehouse.pipeline.LiveSnapshot;
import io.gatehouse.upstream.HealthCheckResult;
import io.gatehouse.upstream.Target;
import io.gatehouse.upstream.Upstream;
import io.gatehouse.upstream.UpstreamRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The admin API's operating endpoints: maintenance overrides of targets, health checks on demand, config
 * validation, this replica's metrics and the status page's data.
 */
final class OperationsEndpoints {
    /** Lost on restart, and this replica's only: said in every drain/enable answer. */
    static final String OVERRIDE_NOTE = "maintenance overrides are kept across config reloads while the target stays in "
            + "this upstream (same name and URL), are lost when the process restarts, and apply to this replica only: "
            + "send the same request to every replica";

    private OperationsEndpoints() {
    }

    /** {@code POST /admin/upstreams/{upstream}/targets/{target}/drain} and {@code …/enable}. */
    abstract static class TargetOverride implements AdminEndpoint {
        private final boolean drain;

        TargetOverride(boolean drain) {
            this.drain = drain;
        }

        @Override
        public String path() {
            return "upstreams/{upstream}/targets/{target+}/" + (drain ? "drain" : "enable");
        }

        @Override
        public Set<HttpMethod> methods() {
            return Set.of(HttpMethod.POST);
        }

        @Override
        public void handle(RoutingContext context, GatewaySnapshot snapshot) {
            String name = AdminApi.param(context, "upstream");
            String wanted = AdminApi.param(context, "target");
            Upstream upstream = snapshot.upstreams().get(name);
            if (upstream == null) {
                AdminApi.error(context, 404, "no_upstream", "no upstream named '" + name + "'; there are: "
                        + String.join(", ", new java.util.TreeSet<>(snapshot.upstreams().keySet())));
                return;
            }
            List<Target> matches = find(upstream, wanted);
            if (matches.isEmpty()) {
                AdminApi.error(context, 404, "no_target", "upstream '" + name + "' has no target '" + wanted
                        + "'; name one as host:port or by its URL: " + urls(upstream.targets()));
                return;
            }
            if (matches.size() > 1) {
                AdminApi.error(context, 409, "ambiguous_target", "'" + wanted + "' names several targets of '" + name
                        + "'; name one by its URL: " + urls(matches));
                return;
            }
            Target target = matches.get(0);
            boolean was = target.state().drained();
            target.state().drained(drain);
            AdminViews.json(context, new JsonObject()
                    .put("upstream", name)
                    .put("target", target.url())
                    .put("drained", drain)
                    .put("changed", was != drain)
                    .put("available", target.available())
                    .put("inFlight", target.inFlight())
                    .put("replica", AdminViews.REPLICA)
                    .put("note", OVERRIDE_NOTE));
        }

        /**
         * The targets {@code wanted} names: its URL (trailing slash optional), else host:port. A URL listed twice in
         * an upstream is one target (they share their state).
         */
        static List<Target> find(Upstream upstream, String wanted) {
            String w = wanted.endsWith("/") ? wanted.substring(0, wanted.length() - 1) : wanted;
            // an unencoded URL in a path may arrive with its "//" merged into one by a client or proxy
            w = w.replaceFirst("^(?i)(https?):/+", "$1://");
            Map<Object, Target> byState = new IdentityHashMap<>();
            for (Target t : upstream.targets()) {
                if (t.url().equalsIgnoreCase(w)) {
                    byState.putIfAbsent(t.state(), t);
                }
            }
            if (byState.isEmpty() && !w.contains("/")) {
                for (Target t : upstream.targets()) {
                    String hostPort = (t.host() + ":" + t.port()).toLowerCase(Locale.ROOT);
                    String host = t.host().toLowerCase(Locale.ROOT);
                    String bracketed = host.contains(":") && !host.startsWith("[") ? "[" + host + "]:" + t.port() : hostPort;
                    String lower = w.toLowerCase(Locale.ROOT);
                    if (lower.equals(hostPort) || lower.equals(bracketed) || lower.equals(t.authority().toLowerCase(Locale.ROOT))) {
                        byState.putIfAbsent(t.state(), t);
                    }
                }
            }
            return new ArrayList<>(byState.values());
        }

        private static String urls(List<Target> targets) {
            return String.join(", ", targets.stream().map(Target::url).distinct().toList());
        }
    }

    @Singleton
    static class Drain extends TargetOverride {
        Drain() {
            super(true);
        }
    }

    @Singleton
    static class Enable extends TargetOverride {
        Enable() {
            super(false);
        }
    }

    /** {@code POST /admin/health/check[?upstream=name]}: the active health checks, now. */
    @Singleton
    static class HealthCheck implements AdminEndpoint {
        @Inject
        UpstreamRegistry registry;

        @Override
        public String path() {
            return "health/check";
        }

        @Override
        public Set<HttpMethod> methods() {
            return Set.of(HttpMethod.POST);
        }

        @Override
        public void handle(RoutingContext context, GatewaySnapshot snapshot) {
            String name = context.request().getParam("upstream");
            if (name != null) {
                Upstream upstream = snapshot.upstreams().get(name);
                if (upstream == null) {
                    AdminApi.error(context, 404, "no_upstream", "no upstream named '" + name + "'");
                    return;
                }
                if (upstream.config().healthCheck() == null) {
                    AdminApi.error(context, 409, "no_health_check", "upstream '" + name
                            + "' has no health-check section: there is nothing to run");
                    return;
                }
            }
            JsonArray unchecked = new JsonArray();
            snapshot.upstreams().values().stream()
                    .filter(u -> u.config().healthCheck() == null && (name == null || u.name().equals(name)))
                    .map(Upstream::name).sorted().forEach(unchecked::add);
            registry.checkNow(name).onComplete(ar -> {
                if (context.response().ended()) {
                    return;
                }
                if (ar.failed()) {
                    AdminApi.error(context, 500, "internal_error", "the checks failed: " + ar.cause());
                    return;
                }
                JsonArray upstreams = new JsonArray();
                new java.util.TreeMap<>(ar.result()).forEach((upstream, results) -> {
                    JsonArray targets = new JsonArray();
                    for (HealthCheckResult r : results) {
                        targets.add(new JsonObject()
                                .put("url", r.target())
                                .put("ok", r.ok())
                                .put("status", r.status() == 0 ? null : r.status())
                                .put("error", r.error())
                                .put("durationMs", r.millis())
                                .put("healthy", r.healthy()));
                    }
                    upstreams.add(new JsonObject().put("name", upstream).put("targets", targets));
                });
                AdminViews.json(context, new JsonObject()
                        .put("upstreams", upstreams)
                        .put("unchecked", unchecked)
                        .put("replica", AdminViews.REPLICA));
            });
        }
    }

    /** {@code POST /admin/config/validate}: would this file be accepted by a reload? Nothing is applied. */
    @Singleton
    static class Validate implements AdminEndpoint {
        /** As for the config file itself (config.ConfigFile). */
        static final int MAX_BYTES = 4 * 1024 * 1024;

        @Inject
        @Any
        Instance<ConfigExtension> extensionBeans;

        @Override
        public String path() {
            return "config/validate";
        }

        @Override
        public Set<HttpMethod> methods() {
            return Set.of(HttpMethod.POST);
        }

        @Override
        public void handle(RoutingContext context, GatewaySnapshot snapshot) {
            List<ConfigExtension> extensions = extensionBeans.stream().toList();
            readBody(context, MAX_BYTES).onComplete(read -> {
                if (read.failed()) {
                    if (read.cause() instanceof TooLarge) {
                        context.response().putHeader("Connection", "close"); // the rest of the body is not read
                        AdminApi.error(context, 413, "payload_too_large", "a config is at most " + MAX_BYTES / 1024 / 1024 + " MB");
                    } else if (!context.response().ended()) {
                        AdminApi.error(context, 400, "bad_request", "the body could not be read");
                    }
                    return;
                }
                Buffer body = read.result();
                // the parse may block (the admin section reads its token file): on a worker, never this event loop
                context.vertx().executeBlocking(() -> validate(body, extensions), false).onComplete(ar -> {
                    if (ar.failed()) {
                        AdminApi.error(context, 500, "internal_error", "the validation failed: " + ar.cause());
                        return;
                    }
                    List<String> problems = ar.result();
                    if (problems.isEmpty()) {
                        AdminViews.json(context, new JsonObject().put("valid", true));
                    } else {
                        AdminViews.json(context, 422, new JsonObject().put("valid", false)
                                .put("status", 422).put("error", "invalid_config")
                                .put("errors", new JsonArray(problems)));
                    }
                });
            });
        }

        /** The problems a reload would report for this file (empty: it would be accepted). */
        static List<String> validate(Buffer body, List<ConfigExtension> extensions) {
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(body.getBytes())).toString();
            } catch (CharacterCodingException e) {
                return List.of("(file): cannot be read: not UTF-8 text");
            }
            try {
                GatehouseConfig ignored = ConfigParser.parse("(posted)", text, extensions);
                return List.of();
            } catch (ConfigException e) {
                return e.problems();
            }
        }
    }

    static final class TooLarge extends RuntimeException {
        TooLarge() {
            super("too large", null, false, false);
        }
    }

    /** The request body, refused past {@code max} bytes (a declared length is checked before reading). */
    static Future<Buffer> readBody(RoutingContext context, int max) {
        HttpServerRequest request = context.request();
        if (request.isEnded()) {
            Buffer read = context.body() == null || context.body().buffer() == null ? Buffer.buffer() : context.body().buffer();
            return read.length() > max ? Future.failedFuture(new TooLarge()) : Future.succeededFuture(read);
        }
        String declared = request.getHeader("Content-Length");
        if (declared != null) {
            try {
                if (Long.parseLong(declared.trim()) > max) {
                    return Future.failedFuture(new TooLarge());
                }
            } catch (NumberFormatException e) {
                return Future.failedFuture(new IllegalArgumentException("bad Content-Length"));
            }
        }
        Promise<Buffer> done = Promise.promise();
        Buffer body = Buffer.buffer();
        request.handler(chunk -> {
            if (body.length() + chunk.length() > max) {
                done.tryFail(new TooLarge());
                request.pause();
            } else {
                body.appendBuffer(chunk);
            }
        });
        request.exceptionHandler(done::tryFail);
        request.endHandler(v -> done.tryComplete(body));
        request.resume();
        return done.future();
    }

    /** {@code GET /admin/metrics[?window=seconds]}: this replica's traffic, from the gateway's own meters. */
    @Singleton
    static class Metrics implements AdminEndpoint {
        @Inject
        MetricsSampler sampler;

        @Override
        public String path() {
            return "metrics";
        }

        @Override
        public void handle(RoutingContext context, GatewaySnapshot snapshot) {
            int window = MetricsSampler.KEEP_SECONDS;
            String asked = context.request().getParam("window");
            if (asked != null) {
                try {
                    window = Integer.parseInt(asked.endsWith("s") ? asked.substring(0, asked.length() - 1) : asked);
                } catch (NumberFormatException e) {
                    window = -1;
                }
                if (window < 1 || window > MetricsSampler.KEEP_SECONDS) {
                    AdminApi.error(context, 400, "bad_request", "window: seconds, 1 to " + MetricsSampler.KEEP_SECONDS);
                    return;
                }
            }
            AdminViews.json(context, MetricsView.metrics(snapshot, sampler, window));
        }
    }

    /** {@code GET /admin/status.json}: what the status page shows, in one answer. */
    @Singleton
    static class StatusData implements AdminEndpoint {
        @Inject
        MetricsSampler sampler;
        @Inject
        ReloadHistory reloads;
        @Inject
        LiveSnapshot state;

        @Override
        public String path() {
            return StatusPage.PATH + ".json";
        }

        @Override
        public void handle(RoutingContext context, GatewaySnapshot snapshot) {
            AdminViews.json(context, MetricsView.status(snapshot, sampler, reloads, state));
        }
    }
}
