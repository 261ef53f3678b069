package io.gatehouse.pipeline;

import io.gatehouse.testing.TempDirs;
import io.gatehouse.testing.GatewayProcess;
import io.gatehouse.testing.TestUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged gateway's start: the demo, a real config, and configs that must stop it. */
class StartupIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void withoutAConfigTheDemoServesTheShopAtOnce() throws Exception {
        try (GatewayProcess gw = GatewayProcess.start("demo", null)) {
            gw.awaitReady(Duration.ofSeconds(30));
            HttpResponse<String> users = get(gw.url("/api/users"));
            assertEquals(200, users.statusCode(), users.body());
            assertEquals(3, new JsonObject(users.body()).getJsonArray("items").size());
            assertEquals("Alan Turing", new JsonObject(get(gw.url("/api/users/2")).body()).getString("name"));
            for (String path : new String[] {"/api/orders", "/api/products", "/api/stats"}) {
                assertEquals(200, get(gw.url(path)).statusCode(), path);
            }
            // the demo caches products: the second answer comes from the cache
            HttpResponse<String> again = get(gw.url("/api/products"));
            assertEquals("HIT", again.headers().firstValue("X-Cache-Status").orElse(null), again.headers().toString());
            assertTrue(again.headers().firstValue("Age").isPresent());
            assertEquals("nosniff", again.headers().firstValue("X-Content-Type-Options").orElse(null),
                    "the demo's security headers, on a cache hit too");
            // the demo's CORS policy on products: a browser app's preflight is answered by the gateway
            HttpResponse<String> preflight = HTTP.send(HttpRequest.newBuilder(URI.create(gw.url("/api/products")))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "http://localhost:3000")
                    .header("Access-Control-Request-Method", "GET").timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(204, preflight.statusCode(), preflight.body());
            assertEquals("http://localhost:3000", preflight.headers().firstValue("Access-Control-Allow-Origin").orElse(null),
                    preflight.headers().toString());
            assertTrue(gw.output().contains("running the demo config"), gw.output());
            // the access log: one JSON line per request on stdout (its writer looks for lines every 100 ms when idle)
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            java.util.function.Predicate<String> logged = l -> l.startsWith("{\"timestamp\":")
                    && l.contains("\"route\":\"products\"") && l.contains("\"cache\":\"HIT\"");
            while (gw.output().lines().noneMatch(logged) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(gw.output().lines().anyMatch(logged), gw.output());
            // the admin API and status page, with the random token the demo logs
            java.util.regex.Matcher token = java.util.regex.Pattern.compile("password (demo-[0-9a-f]+)").matcher(gw.output());
            assertTrue(token.find(), gw.output());
            String basic = "Basic " + java.util.Base64.getEncoder().encodeToString(("me:" + token.group(1)).getBytes());
            String status = "http://127.0.0.1:" + gw.managementPort() + "/admin/status";
            HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create(status)).header("Authorization", basic)
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode(), page.body());
            assertTrue(page.body().contains("Gatehouse"), page.body());
            assertEquals(401, get(status).statusCode(), "the page needs the token");
        }
    }

    @Test
    void aRealConfigStartsNoDemoUpstreams() throws Exception {
        Vertx vertx = Vertx.vertx();
        try (TestUpstream upstream = TestUpstream.start(vertx, "real")) {
            Path config = TempDirs.file("gatehouse", "gatehouse.yaml");
            Files.writeString(config, """
                    upstreams:
                      real: {targets: [{url: %s}]}
                    routes:
                      - {id: all, path: /**, upstream: real}
                    """.formatted(upstream.url()));
            try (GatewayProcess gw = GatewayProcess.start("real-config", config)) {
                gw.awaitReady(Duration.ofSeconds(30));
                HttpResponse<String> r = get(gw.url("/api/users"));
                assertEquals("real", r.headers().firstValue("X-Instance").orElse(null), r.body());
                assertFalse(gw.output().contains("demo"), gw.output());
            }
        } finally {
            vertx.close();
        }
    }

    @Test
    void aBadConfigStopsTheStartWithEveryProblemByKeyPath() throws Exception {
        Path config = TempDirs.file("gatehouse-bad", "gatehouse.yaml");
        Files.writeString(config, """
                upstreams:
                  users:
                    targets: [{url: "ftp://x"}]
                    timeout: soon
                routes:
                  - {id: users, path: /api/users/**, upstream: nosuch}
                """);
        try (GatewayProcess gw = GatewayProcess.start("bad-config", config)) {
            int code = gw.awaitExit(Duration.ofSeconds(30));
            String out = gw.output();
            assertNotEquals(0, code, out);
            assertTrue(out.contains("upstreams.users.targets[0].url: 'ftp://x' must start with http:// or https://"), out);
            assertTrue(out.contains("upstreams.users.timeout: 'soon' is not a duration"), out);
            assertTrue(out.contains("routes[0].upstream: no upstream named 'nosuch'"), out);
        }
    }

    @Test
    void aMissingConfigFileIsAClearError() throws Exception {
        try (GatewayProcess gw = GatewayProcess.start("missing-config", Path.of("/nonexistent/gatehouse.yaml"))) {
            int code = gw.awaitExit(Duration.ofSeconds(30));
            assertNotEquals(0, code);
            assertTrue(gw.output().contains("config /nonexistent/gatehouse.yaml: (file): no such file"), gw.output());
        }
    }

    @Test
    void tlsSettingsForTheTrafficPortAreRefusedNotIgnored() throws Exception {
        try (GatewayProcess gw = GatewayProcess.start("traffic-tls", null,
                "-Dquarkus.http.ssl.certificate.files=/etc/gatehouse/tls.crt")) {
            int code = gw.awaitExit(Duration.ofSeconds(30));
            String out = gw.output();
            assertNotEquals(0, code, out);
            assertTrue(out.contains("quarkus.http.ssl.certificate.files is set, but it would put TLS on Quarkus' own server")
                    && out.contains("server.tls"), out);
        }
    }
}
