package io.gatehouse.ratelimit;

import io.gatehouse.testing.GatewayProcess;
import io.gatehouse.testing.RedisServer;
import io.gatehouse.testing.TempDirs;
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
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two packaged gateways sharing one real Redis: together they pass a {@code redis} policy's limit, not twice it;
 * and when Redis dies, each enforces its share (the limit divided by the replicas it saw), so the fleet stays near
 * the limit.
 */
class SharedRedisLimitIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static int status(GatewayProcess gw, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(gw.url(path))).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static JsonObject details(GatewayProcess gw) throws Exception {
        String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.managementPort() + "/q/health/ready"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        return new JsonObject(body).getJsonArray("checks").getJsonObject(0).getJsonObject("data");
    }

    private static void await(String what, GatewayProcess gw, java.util.function.Predicate<JsonObject> condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.test(details(gw))) {
            assertTrue(System.nanoTime() < deadline, what + ": " + details(gw));
            Thread.sleep(50);
        }
    }

    @Test
    void twoGatewaysOnOneRedisTogetherPassTheLimitAndShareItWhenRedisIsGone() throws Exception {
        Vertx vertx = Vertx.vertx();
        try (RedisServer redis = RedisServer.start(); TestUpstream upstream = TestUpstream.start(vertx, "shared")) {
            Path config = TempDirs.file("gatehouse-shared-redis", "gatehouse.yaml");
            Files.writeString(config, """
                    upstreams:
                      echo: {targets: [{url: %s}]}
                    routes:
                      - {id: together, path: /together/**, upstream: echo, strip-prefix: /together, rate-limit: fleet}
                      - {id: apart, path: /apart/**, upstream: echo, strip-prefix: /apart, rate-limit: fleet-fallback}
                    rate-limits:
                      fleet: {key: global, limits: [30/1d]}
                      fleet-fallback: {key: global, limits: [40/1d]}
                      defaults: {store: redis}
                    """.formatted(upstream.url()));
            // a generous command timeout: this test is about sharing one limit, and on a loaded machine a 50 ms
            // timeout (the default) would let a request fall back locally and pass beyond it
            String[] jvm = {"-Dquarkus.redis.hosts=" + redis.url(), "-Dgatehouse.redis.heartbeat-interval=200ms",
                    "-Dgatehouse.redis.probe-interval=200ms", "-Dgatehouse.redis.timeout=2s"};
            try (GatewayProcess a = GatewayProcess.start("shared-redis-a", config, jvm);
                 GatewayProcess b = GatewayProcess.start("shared-redis-b", config, jvm)) {
                a.awaitReady(Duration.ofSeconds(30));
                b.awaitReady(Duration.ofSeconds(30));
                for (GatewayProcess gw : List.of(a, b)) {
                    await("each gateway sees both replicas", gw, d -> "up".equals(d.getString("redis"))
                            && "2".equals(String.valueOf(d.getValue("redis.replicas"))));
                }
                int passed = 0;
                for (int i = 0; i < 100; i++) {
                    passed += status(i % 2 == 0 ? a : b, "/together/echo") == 200 ? 1 : 0;
                }
                assertEquals(30, passed, "the two together pass the limit once");

                redis.kill();
                for (GatewayProcess gw : List.of(a, b)) {
                    status(gw, "/apart/echo"); // finds Redis gone (that request is decided locally)
                    await("each gateway falls back", gw, d -> String.valueOf(d.getString("redis")).startsWith("degraded"));
                }
                int apart = 0;
                for (int i = 0; i < 200; i++) {
                    apart += status(i % 2 == 0 ? a : b, "/apart/echo") == 200 ? 1 : 0;
                }
                // each replica enforces 40 / 2 alone: the fleet passes the limit (the two requests above included)
                assertEquals(40, apart + 2, "with Redis gone the fleet still passes about the limit, not twice it");
            }
        } finally {
            vertx.close();
        }
    }
}
