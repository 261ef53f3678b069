package io.gatehouse.cache;

import io.gatehouse.testing.CacheOrigin;
import io.gatehouse.testing.GatewayProcess;
import io.gatehouse.testing.RawHttp;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two packaged gateways sharing one real Redis as their cache store: what one stored, the other serves from the next
 * request on; a write through one drops the entry for both.
 */
class SharedRedisCacheIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** One request with the Host clients of the fleet use: the cache key holds the host, not which replica answered. */
    private static RawHttp.Response send(GatewayProcess gw, String method, String path) throws Exception {
        List<String> head = new ArrayList<>(List.of(method + " " + path + " HTTP/1.1", "Host: api.example.test",
                "Connection: close"));
        byte[] body = null;
        if (!method.equals("GET")) {
            body = "{}".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            head.add("Content-Length: 2");
        }
        return RawHttp.send(gw.port(), head, body);
    }

    private static String cacheStatus(RawHttp.Response r) {
        String s = r.header("X-Cache-Status");
        return s == null ? "none" : s;
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

    private interface Fleet {
        void run(CacheOrigin origin, GatewayProcess a, GatewayProcess b) throws Exception;
    }

    /** Two packaged gateways with one cached route on a real Redis, both ready and on Redis, in front of an origin. */
    private static void fleet(String name, String route, String store, Fleet test) throws Exception {
        Vertx vertx = Vertx.vertx();
        try (RedisServer redis = RedisServer.start(); CacheOrigin origin = CacheOrigin.start(vertx)) {
            Path config = TempDirs.file("gatehouse-" + name, "gatehouse.yaml");
            Files.writeString(config, """
                    upstreams:
                      origin: {targets: [{url: %s}]}
                    routes:
                      - {id: %s, path: /%s/**, upstream: origin, cache: true}
                    cache: {store: %s}
                    """.formatted(origin.url(), route, route, store));
            String[] jvm = {"-Dquarkus.redis.hosts=" + redis.url(), "-Dgatehouse.redis.timeout=2s"};
            try (GatewayProcess a = GatewayProcess.start(name + "-a", config, jvm);
                 GatewayProcess b = GatewayProcess.start(name + "-b", config, jvm)) {
                a.awaitReady(Duration.ofSeconds(30));
                b.awaitReady(Duration.ofSeconds(30));
                awaitRedis(a);
                awaitRedis(b);
                test.run(origin, a, b);
            }
        } finally {
            vertx.close();
        }
    }

    @Test
    void whatOneReplicaStoredTheOtherServesAndAWriteThroughEitherDropsIt() throws Exception {
        fleet("shared-cache", "shared", "redis", (origin, a, b) -> {
            origin.set("/shared/page", "stored by a", "Cache-Control", "max-age=60");
            assertEquals("MISS", cacheStatus(send(a, "GET", "/shared/page")));
            RawHttp.Response fromB = send(b, "GET", "/shared/page");
            assertEquals("HIT", cacheStatus(fromB), "b serves what a stored");
            assertEquals("stored by a", fromB.body());
            assertEquals(1, origin.hits("/shared/page"));

            origin.set("/shared/page", new CacheOrigin.Answer(204, "", 0, false));
            assertEquals(204, send(b, "PUT", "/shared/page").status());
            origin.set("/shared/page", "after the write", "Cache-Control", "max-age=60");
            RawHttp.Response afterWrite = send(a, "GET", "/shared/page");
            assertEquals("MISS", cacheStatus(afterWrite), "the write through b dropped it for a too");
            assertEquals("after the write", afterWrite.body());
            assertEquals("HIT", cacheStatus(send(b, "GET", "/shared/page")));
        });
    }

    @Test
    void withLocalStoresAWriteThroughOneReplicaDropsTheOthersCopyOverPubSub() throws Exception {
        fleet("broadcast-cache", "own", "local", (origin, a, b) -> {
            origin.set("/own/page", "v1", "Cache-Control", "max-age=60");
            send(a, "GET", "/own/page");
            send(b, "GET", "/own/page");
            assertEquals("HIT", cacheStatus(send(a, "GET", "/own/page")));
            assertEquals("HIT", cacheStatus(send(b, "GET", "/own/page")));
            assertEquals(2, origin.hits("/own/page"), "each replica stored its own copy");

            origin.set("/own/page", new CacheOrigin.Answer(204, "", 0, false));
            assertEquals(204, send(a, "PUT", "/own/page").status());
            origin.set("/own/page", "v2", "Cache-Control", "max-age=60");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            RawHttp.Response fromB = send(b, "GET", "/own/page");
            while (!"v2".equals(fromB.body()) && System.nanoTime() < deadline) {
                Thread.sleep(50); // the message travels through Redis: a moment, not a request
                fromB = send(b, "GET", "/own/page");
            }
            assertEquals("v2", fromB.body(), "b's copy was dropped by a's write");
        });
    }
}
