package io.gatehouse.observe;

import io.gatehouse.testing.GatewayProcess;
import io.gatehouse.testing.RedisServer;
import io.gatehouse.testing.TempDirs;
import io.gatehouse.testing.TestUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The packaged gateway scraped by a real Prometheus (the Debian {@code prometheus} package; {@code .ci/run} installs
 * it), with the shipped alert rules ({@code deploy/prometheus/gatehouse-alerts.yml}) loaded: Prometheus sees the
 * gateway's series with their labels, the rules load and evaluate, and every metric the Grafana dashboard
 * ({@code deploy/grafana/gatehouse-dashboard.json}) and the rules name is one the gateway really exports — so a
 * renamed meter fails here instead of leaving an empty panel or an alert that can never fire.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrometheusScrapeIT {
    private static final Path RULES = Path.of("deploy/prometheus/gatehouse-alerts.yml");
    private static final Path DASHBOARD = Path.of("deploy/grafana/gatehouse-dashboard.json");
    private static final String API_KEY = "prometheus-scrape-it-key";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private static Vertx vertx;
    private static TestUpstream upstream;
    private static RedisServer redis;
    private static GatewayProcess gateway;
    private static Process prometheus;
    private static int prometheusPort;

    @BeforeAll
    static void start() throws Exception {
        // CI installs both (.ci/run); a machine without them fails here rather than skipping the check
        String promtool = executable("promtool");
        String prometheusBinary = executable("prometheus");
        assertTrue(Files.isRegularFile(RULES), RULES + " is missing (run from the project directory)");
        assertTrue(Files.isRegularFile(DASHBOARD), DASHBOARD + " is missing (run from the project directory)");
        assertTrue(promtool != null && prometheusBinary != null);

        vertx = Vertx.vertx();
        upstream = TestUpstream.start(vertx, "scraped");
        redis = RedisServer.start();
        Path config = TempDirs.file("gatehouse-prometheus", "gatehouse.yaml");
        // every feature that registers meters is configured, so that each of them appears in /q/metrics: a
        // redis-backed rate limit (gatehouse_ratelimit_*, gatehouse_redis_*), a cached route (gatehouse_cache_*)
        // and an API-key route (gatehouse_auth_total)
        Files.writeString(config, """
                upstreams:
                  echo:
                    targets: [{url: %s}]
                routes:
                  - {id: echo, path: /echo/**, upstream: echo, strip-prefix: /echo, rate-limit: shared}
                  - {id: cached, path: /cached/**, methods: [GET], upstream: echo, strip-prefix: /cached, cache: {ttl: 1m}}
                  - {id: private, path: /private/**, upstream: echo, strip-prefix: /private, auth: api-key}
                rate-limits:
                  shared: {key: ip, limits: [100000/1m]}
                  defaults: {store: redis, on-store-failure: local}
                cache:
                  max-bytes: 16MB
                auth:
                  api-keys:
                    keys:
                      - {id: scraper, hash: "sha256:%s"}
                """.formatted(upstream.url(), sha256(API_KEY)));
        gateway = GatewayProcess.start("prometheus-scrape", config, "-Dquarkus.redis.hosts=" + redis.url(),
                "-Dgatehouse.redis.probe-interval=200ms", "-Dgatehouse.redis.heartbeat-interval=200ms",
                "-Dgatehouse.redis.timeout=2s");
        gateway.awaitReady(Duration.ofSeconds(60));
        awaitTrue(() -> "up".equals(readiness().getString("redis")), "the gateway reaches Redis");

        startPrometheus(prometheusBinary);
    }

    @AfterAll
    static void stop() throws Exception {
        if (prometheus != null) {
            prometheus.destroy(); // this process only, by its pid
            if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly();
            }
        }
        if (gateway != null) {
            gateway.close();
        }
        if (redis != null) {
            redis.close();
        }
        if (upstream != null) {
            upstream.close();
        }
        if (vertx != null) {
            vertx.close();
        }
    }

    @Test
    @Order(1)
    void theShippedAlertRulesPassPromtool() throws Exception {
        Process check = new ProcessBuilder(executable("promtool"), "check", "rules", RULES.toString())
                .redirectErrorStream(true).start();
        String out = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(check.waitFor(60, TimeUnit.SECONDS), "promtool check rules did not finish");
        assertEquals(0, check.exitValue(), out);
        assertTrue(out.contains("SUCCESS"), out);
    }

    @Test
    @Order(2)
    void prometheusScrapesTheRouteCountersWithTheirLabels() throws Exception {
        // the route's meters exist from its compilation on: Prometheus has them at 0 before any traffic, so the
        // rates below see the increase
        awaitSeries("up{job=\"gatehouse\"}", v -> v == 1);
        awaitSeries("gatehouse_requests_total{route=\"echo\",status_class=\"2xx\"}", v -> v == 0);
        for (int i = 0; i < 5; i++) {
            assertEquals(200, send("/echo/hello", null));
        }
        for (int i = 0; i < 2; i++) {
            assertEquals(503, send("/echo/status/503", null));
        }

        JsonObject ok = awaitSeries("gatehouse_requests_total{route=\"echo\",status_class=\"2xx\"}", v -> v >= 5);
        JsonObject labels = ok.getJsonObject("metric");
        assertEquals("gatehouse_requests_total", labels.getString("__name__"));
        assertEquals("gatehouse", labels.getString("job"));
        assertEquals("127.0.0.1:" + gateway.managementPort(), labels.getString("instance"));
        assertEquals("echo", labels.getString("route"));
        assertEquals("2xx", labels.getString("status_class"));
        assertEquals(5, value(ok), 0.0, ok.encode());

        JsonObject errors = awaitSeries("gatehouse_requests_total{route=\"echo\",status_class=\"5xx\"}", v -> v >= 2);
        assertEquals(2, value(errors), 0.0, errors.encode());

        // the histogram buckets are published: a quantile over them is a real latency, not NaN
        JsonObject p99 = awaitSeries("histogram_quantile(0.99, sum by (route, le) ("
                + "rate(gatehouse_request_duration_seconds_bucket{route=\"echo\"}[1m])))", v -> !Double.isNaN(v));
        assertTrue(value(p99) > 0 && value(p99) <= 30, p99.encode());
        assertEquals("echo", p99.getJsonObject("metric").getString("route"));

        JsonObject target = awaitSeries("gatehouse_upstream_target_available{upstream=\"echo\"}", v -> v == 1);
        assertEquals(upstream.url(), target.getJsonObject("metric").getString("target"));
        awaitSeries("gatehouse_upstream_target_circuit_open{upstream=\"echo\"}", v -> v == 0);
        awaitSeries("gatehouse_redis_up", v -> v == 1);
        JsonObject allowed = awaitSeries(
                "gatehouse_ratelimit_decisions_total{route=\"echo\",policy=\"shared\",outcome=\"allowed\"}", v -> v >= 7);
        assertEquals(7, value(allowed), 0.0, allowed.encode());
    }

    @Test
    @Order(3)
    void theAlertRulesAreLoadedAndEvaluateHealthy() throws Exception {
        Set<String> shipped = new TreeSet<>();
        for (Map<String, Object> rule : ruleDefinitions()) {
            shipped.add((String) rule.get("alert"));
            assertTrue(rule.get("for") != null, "every alert waits before firing: " + rule.get("alert"));
            assertTrue(rule.get("labels") instanceof Map<?, ?> l && l.get("severity") != null,
                    "every alert has a severity: " + rule.get("alert"));
            assertTrue(rule.get("annotations") instanceof Map<?, ?> a && a.get("summary") != null && a.get("description") != null,
                    "every alert has a summary and a description: " + rule.get("alert"));
        }
        assertTrue(shipped.containsAll(Set.of("GatehouseHighErrorRate", "GatehouseHighLatencyP99",
                "GatehouseUpstreamTargetDown", "GatehouseCircuitOpen", "GatehouseRateLimitStoreFallback",
                "GatehouseRedisDown")), shipped.toString());

        String[] last = {""};
        awaitTrue(() -> {
            JsonObject rules = prometheusGet("/api/v1/rules");
            last[0] = rules.encodePrettily();
            Set<String> healthy = new TreeSet<>();
            Set<String> listed = new TreeSet<>();
            for (Object g : rules.getJsonObject("data").getJsonArray("groups")) {
                for (Object r : ((JsonObject) g).getJsonArray("rules")) {
                    JsonObject rule = (JsonObject) r;
                    listed.add(rule.getString("name"));
                    if ("ok".equals(rule.getString("health"))) {
                        healthy.add(rule.getString("name"));
                    }
                }
            }
            return listed.equals(shipped) && healthy.equals(shipped);
        }, "Prometheus lists every shipped rule, evaluated with health ok");
        assertTrue(last[0].contains("\"health\" : \"ok\""), last[0]);
    }

    @Test
    @Order(4)
    void everyMetricTheDashboardAndTheAlertsNameIsExportedByTheGateway() throws Exception {
        // traffic on each feature: a cache miss and a hit, an authenticated request and a refused one
        assertEquals(200, send("/cached/a", null));
        assertEquals(200, send("/cached/a", null));
        assertEquals(200, send("/private/a", API_KEY));
        assertEquals(401, send("/private/a", null));
        // gatehouse_ratelimit_fallback_total{policy} is registered on the first decision a redis policy takes
        // without Redis: take Redis away and send requests until the gateway falls back
        redis.kill();
        awaitTrue(() -> {
            send("/echo/after-redis", null);
            return scrape().contains("gatehouse_ratelimit_fallback_total{");
        }, "a decision without Redis is counted");
        String exported = scrape();
        Set<String> names = new TreeSet<>();
        for (String line : exported.split("\n")) {
            if (!line.isEmpty() && !line.startsWith("#")) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }

        List<String> dashboardExprs = new ArrayList<>();
        JsonObject dashboard = new JsonObject(Files.readString(DASHBOARD));
        assertTrue(dashboard.getInteger("schemaVersion") >= 39, "schemaVersion");
        JsonArray variables = dashboard.getJsonObject("templating").getJsonArray("list");
        assertTrue(variables.stream().map(JsonObject.class::cast)
                .anyMatch(v -> "DS_PROMETHEUS".equals(v.getString("name")) && "datasource".equals(v.getString("type"))),
                "a DS_PROMETHEUS data source variable");
        Set<String> used = new TreeSet<>();
        for (Object v : variables) {
            JsonObject variable = (JsonObject) v;
            if ("query".equals(variable.getString("type"))) {
                Matcher m = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)").matcher(variable.getString("definition"));
                assertTrue(m.find(), variable.encode());
                used.add(m.group(1));
            }
        }
        for (Object p : dashboard.getJsonArray("panels")) {
            JsonObject panel = (JsonObject) p;
            JsonArray targets = panel.getJsonArray("targets");
            if (targets == null) {
                continue;
            }
            assertEquals("${DS_PROMETHEUS}", panel.getJsonObject("datasource").getString("uid"), panel.getString("title"));
            for (Object t : targets) {
                dashboardExprs.add(((JsonObject) t).getString("expr"));
            }
        }
        List<String> ruleExprs = ruleDefinitions().stream().map(r -> (String) r.get("expr")).toList();
        assertTrue(dashboardExprs.size() >= 20, "dashboard queries found: " + dashboardExprs);

        List<String> problems = new ArrayList<>();
        for (String expr : dashboardExprs) {
            used.addAll(metricNames(expr));
            // Grafana's variables as "all selected"; Prometheus must accept the query as written
            String query = expr.replace("$__rate_interval", "1m").replaceAll("\\$(route|instance|upstream)\\b", ".*");
            JsonObject answer = prometheusQuery(query);
            if (!"success".equals(answer.getString("status"))) {
                problems.add("dashboard query refused: " + expr + " → " + answer.encode());
            }
        }
        for (String expr : ruleExprs) {
            used.addAll(metricNames(expr));
        }
        assertTrue(used.size() >= 15 && used.stream().allMatch(n -> n.startsWith("gatehouse_")), used.toString());
        for (String name : used) {
            if (!names.contains(name)) {
                problems.add("not exported by the gateway: " + name);
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems) + "\n\nexported: " + names);
    }

    // ---- metric names in PromQL

    private static final Set<String> PROMQL_WORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without",
            "on", "ignoring", "group_left", "group_right", "inf", "nan");

    /** The metric names a PromQL expression reads: identifiers that are not functions, keywords or label names. */
    static Set<String> metricNames(String expr) {
        String s = expr
                .replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"") // label values
                .replaceAll("\\{[^}]*}", " ") // label matchers
                .replaceAll("\\[[^]]*]", " ") // ranges
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ") // label lists
                .replaceAll("\\$\\w+", " ");
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("(?<![0-9.a-zA-Z_:])[a-zA-Z_:][a-zA-Z0-9_:]*").matcher(s);
        while (m.find()) {
            String token = m.group();
            int next = m.end();
            while (next < s.length() && Character.isWhitespace(s.charAt(next))) {
                next++;
            }
            boolean function = next < s.length() && s.charAt(next) == '(';
            if (!function && !PROMQL_WORDS.contains(token.toLowerCase())) {
                names.add(token);
            }
        }
        return names;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> ruleDefinitions() throws IOException {
        Map<String, Object> file = new Yaml().load(Files.readString(RULES));
        List<Map<String, Object>> rules = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) file.get("groups")) {
            rules.addAll((List<Map<String, Object>>) group.get("rules"));
        }
        assertFalse(rules.isEmpty(), RULES.toString());
        return rules;
    }

    // ---- Prometheus

    private static void startPrometheus(String binary) throws Exception {
        Path dir = TempDirs.create("prometheus-it");
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                rule_files:
                  - %s
                scrape_configs:
                  - job_name: gatehouse
                    metrics_path: /q/metrics
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                """.formatted(RULES.toAbsolutePath(), gateway.managementPort()));
        Path logs = Path.of("target/it-logs");
        Files.createDirectories(logs);
        for (int attempt = 1; ; attempt++) {
            prometheusPort = freePortBelowEphemeralRange();
            Path log = logs.resolve("prometheus-" + prometheusPort + ".log");
            prometheus = new ProcessBuilder(binary, "--config.file=" + config,
                    "--storage.tsdb.path=" + dir.resolve("data-" + attempt),
                    "--web.listen-address=127.0.0.1:" + prometheusPort)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (prometheus.isAlive() && System.nanoTime() < deadline && !ready()) {
                Thread.sleep(100);
            }
            if (prometheus.isAlive() && ready()) {
                return;
            }
            prometheus.destroyForcibly();
            prometheus.waitFor(10, TimeUnit.SECONDS);
            if (attempt == 3) {
                fail("prometheus did not start on 127.0.0.1:" + prometheusPort + ":\n" + Files.readString(log));
            }
        }
    }

    private static boolean ready() {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + prometheusPort + "/-/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static JsonObject prometheusGet(String pathAndQuery) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + prometheusPort + pathAndQuery))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            return new JsonObject(r.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonObject prometheusQuery(String promql) {
        return prometheusGet("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    }

    /** Polls an instant query until it returns one series whose value passes; that series. */
    private static JsonObject awaitSeries(String promql, java.util.function.DoublePredicate accept) throws Exception {
        JsonObject[] last = {null};
        awaitTrue(() -> {
            last[0] = prometheusQuery(promql);
            JsonArray result = last[0].getJsonObject("data", new JsonObject()).getJsonArray("result", new JsonArray());
            return "success".equals(last[0].getString("status")) && result.size() == 1
                    && accept.test(value(result.getJsonObject(0)));
        }, "Prometheus answers " + promql, () -> "last answer: " + (last[0] == null ? "none" : last[0].encode()));
        return last[0].getJsonObject("data").getJsonArray("result").getJsonObject(0);
    }

    private static double value(JsonObject series) {
        return Double.parseDouble(series.getJsonArray("value").getString(1));
    }

    // ---- the gateway

    private static int send(String path, String apiKey) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway.url(path))).timeout(Duration.ofSeconds(10));
        if (apiKey != null) {
            request.header("X-API-Key", apiKey);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static String scrape() {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.managementPort() + "/q/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            return r.body();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonObject readiness() throws Exception {
        String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.managementPort() + "/q/health/ready"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
        return new JsonObject(body).getJsonArray("checks").getJsonObject(0).getJsonObject("data");
    }

    // ---- helpers

    /** The binary's path; fails (never skips) when it is not installed. */
    private static String executable(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        fail(name + " is not installed: this test runs a real Prometheus (Debian: apt-get install prometheus, which"
                + " brings prometheus and promtool; .ci/run installs it)");
        return null;
    }

    private static String sha256(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** A port below the kernel's ephemeral range (see GatewayTestResource.closedPort for why). */
    private static int freePortBelowEphemeralRange() throws IOException {
        int below = 32_768;
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range"));
            below = Math.max(12_000, Integer.parseInt(range.trim().split("\\s+")[0]));
        } catch (IOException | RuntimeException notLinux) {
            // Linux's default start
        }
        for (int tries = 0; tries < 200; tries++) {
            int port = 10_000 + ThreadLocalRandom.current().nextInt(below - 10_000);
            try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException taken) {
                // in use: another
            }
        }
        throw new IOException("no free port between 10000 and " + below);
    }

    interface Check {
        boolean holds() throws Exception;
    }

    private static void awaitTrue(Check condition, String what) throws Exception {
        awaitTrue(condition, what, () -> "");
    }

    private static void awaitTrue(Check condition, String what, Supplier<String> detail) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Exception lastError = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.holds()) {
                    return;
                }
            } catch (Exception e) {
                lastError = e;
            }
            Thread.sleep(100);
        }
        fail("not within 30 s: " + what + "\n" + detail.get() + (lastError == null ? "" : "\nlast error: " + lastError));
    }
}
