package io.gatehouse.cache;

import io.gatehouse.testing.CacheOrigin;
import io.gatehouse.testing.GatewayProcess;
import io.gatehouse.testing.RedisServer;
import io.gatehouse.testing.TempDirs;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two packaged gateways sharing one real Redis as their cache store: what one stored, the other serves from the next
 * request on; a write through one drops the entry for both.
 */
class SharedRedisCacheIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static HttpResponse<String> send(GatewayProcess gw, String method, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(gw.url(path))).timeout(Duration.ofSeconds(10))
                .method(method, method.equals("GET") ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String cacheStatus(HttpResponse<String> r) {
        return r.headers().firstValue("X-Cache-Status").orElse("none");
    }

    private static void awaitRedis(GatewayProcess gw) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            String ready = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.managementPort()
                    + "/q/health/ready")).build(), HttpResponse.BodyHandlers.ofString()).body();
            if (ready.contains("\"redis\": \"up\"")) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "Redis not up: " + ready);
            Thread.sleep(50);
        }
    }

    @Test
    void whatOneReplicaStoredTheOtherServesAndAWriteThroughEitherDropsIt() throws Exception {
        Vertx vertx = Vertx.vertx();
        try (RedisServer redis = RedisServer.start(); CacheOrigin origin = CacheOrigin.start(vertx)) {
            Path config = TempDirs.file("gatehouse-shared-cache", "gatehouse.yaml");
            Files.writeString(config, """
                    upstreams:
                      origin: {targets: [{url: %s}]}
                    routes:
                      - {id: shared, path: /shared/**, upstream: origin, cache: true}
                    cache: {store: redis}
                    """.formatted(origin.url()));
            String[] jvm = {"-Dquarkus.redis.hosts=" + redis.url(), "-Dgatehouse.redis.timeout=2s"};
            try (GatewayProcess a = GatewayProcess.start("shared-cache-a", config, jvm);
                 GatewayProcess b = GatewayProcess.start("shared-cache-b", config, jvm)) {
                a.awaitReady(Duration.ofSeconds(30));
                b.awaitReady(Duration.ofSeconds(30));
                awaitRedis(a);
                awaitRedis(b);
                origin.set("/shared/page", "stored by a", "Cache-Control", "max-age=60");
                assertEquals("MISS", cacheStatus(send(a, "GET", "/shared/page")));
                HttpResponse<String> fromB = send(b, "GET", "/shared/page");
                assertEquals("HIT", cacheStatus(fromB), "b serves what a stored");
                assertEquals("stored by a", fromB.body());
                assertEquals(1, origin.hits("/shared/page"));

                origin.set("/shared/page", new CacheOrigin.Answer(204, "", 0, false));
                assertEquals(204, send(b, "PUT", "/shared/page").statusCode());
                origin.set("/shared/page", "after the write", "Cache-Control", "max-age=60");
                HttpResponse<String> afterWrite = send(a, "GET", "/shared/page");
                assertEquals("MISS", cacheStatus(afterWrite), "the write through b dropped it for a too");
                assertEquals("after the write", afterWrite.body());
                assertEquals("HIT", cacheStatus(send(b, "GET", "/shared/page")));
            }
        } finally {
            vertx.close();
        }
    }
}
