package io.gatehouse.cache;

import io.gatehouse.testing.CacheOrigin;
import io.gatehouse.testing.RedisCacheTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cache with its entries in a real {@code redis-server}: binary-safe, expiring, shared, and a pass-through when Redis dies. */
@QuarkusTest
@QuarkusTestResource(value = RedisCacheTestResource.class, restrictToAnnotatedClass = true)
class RedisCacheEndToEndTest {
    private static Vertx vertx;

    @BeforeAll
    static void client() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static CacheOrigin origin() {
        return RedisCacheTestResource.origin;
    }

    private static io.vertx.redis.client.Response redis(Request request) throws Exception {
        Redis client = Redis.createClient(vertx, RedisCacheTestResource.redis.url());
        try {
            return client.send(request).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } finally {
            client.close();
        }
    }

    @BeforeEach
    void redisIsUp() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!given().port(io.gatehouse.testing.Ports.management()).get("/q/health/ready").asString().contains("\"redis\": \"up\"")) {
            assertTrue(System.nanoTime() < deadline, "Redis not up");
            Thread.sleep(50);
        }
    }

    @Test
    void entriesLiveInRedisBinarySafeAndExpireOnTheirOwn() throws Exception {
        byte[] body = new byte[256];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) i;
        }
        origin().set("/rc/binary", new String(body, java.nio.charset.StandardCharsets.ISO_8859_1),
                "Cache-Control", "max-age=120", "Content-Type", "application/octet-stream");
        // the origin writes the string as UTF-8: compare with what it actually sent
        byte[] sent = given().get("/rc/binary").asByteArray();
        Response hit = given().get("/rc/binary");
        assertEquals("HIT", hit.header("X-Cache-Status"));
        assertArrayEquals(sent, hit.asByteArray());
        io.vertx.redis.client.Response keys = redis(Request.cmd(Command.KEYS).arg("gatehouse:cache:*"));
        List<String> names = new ArrayList<>();
        keys.forEach(k -> names.add(k.toString()));
        assertTrue(names.stream().anyMatch(k -> k.contains("/rc/binary}") && !k.endsWith(":index")), names.toString());
        for (String k : names) {
            if (k.contains("/rc/binary}")) {
                long ttl = redis(Request.cmd(Command.PTTL).arg(k)).toLong();
                // fresh for 120 s, then kept as long again for validation and stale answers
                assertTrue(ttl > 200_000 && ttl <= 240_000, k + " expires in " + ttl + " ms");
            }
        }
    }

    @Test
    void variantsLiveInRedisAndALookupFetchesOnlyItsOwn() throws Exception {
        origin().set("/rc/vary", "x", "Cache-Control", "max-age=60", "Vary", "Accept-Language");
        given().header("Accept-Language", "en").get("/rc/vary");
        given().header("Accept-Language", "fr").get("/rc/vary");
        assertEquals("HIT", given().header("Accept-Language", "en").get("/rc/vary").header("X-Cache-Status"));
        assertEquals("HIT", given().header("Accept-Language", "fr").get("/rc/vary").header("X-Cache-Status"));
        assertEquals("MISS", given().header("Accept-Language", "de").get("/rc/vary").header("X-Cache-Status"));
        assertEquals("MISS", given().get("/rc/vary").header("X-Cache-Status"), "no Accept-Language is a variant of its own");
        assertEquals(4, origin().hits("/rc/vary"));
    }

    @Test
    void aWriteInvalidatesTheEntriesInRedis() {
        origin().set("/rc/item", "x", "Cache-Control", "max-age=60");
        given().get("/rc/item?a=1");
        given().get("/rc/item");
        assertEquals("HIT", given().get("/rc/item?a=1").header("X-Cache-Status"));
        origin().set("/rc/item", new CacheOrigin.Answer(204, "", 0, false));
        given().body("{}").put("/rc/item").then().statusCode(204);
        origin().set("/rc/item", "y", "Cache-Control", "max-age=60");
        assertEquals("MISS", given().get("/rc/item?a=1").header("X-Cache-Status"));
        assertEquals("MISS", given().get("/rc/item").header("X-Cache-Status"));
    }

    @Test
    void aLookupRedisAnswersWithAnErrorIsAMissAndIsCounted() throws Exception {
        origin().set("/rc/wrongtype", "w", "Cache-Control", "max-age=60");
        int port = io.restassured.RestAssured.port;
        // something else wrote a string where the store keeps a hash of variants
        redis(Request.cmd(Command.SET).arg("gatehouse:cache:{http://localhost:" + port + "/rc/wrongtype}\u0001rc\u0001").arg("x"));
        String series = "gatehouse_cache_store_errors_total";
        double before = io.gatehouse.testing.Scrape.value(io.gatehouse.testing.Scrape.metrics(), series);
        Response r = given().get("/rc/wrongtype");
        assertEquals(200, r.statusCode());
        assertEquals("MISS", r.header("X-Cache-Status"));
        double after = io.gatehouse.testing.Scrape.value(io.gatehouse.testing.Scrape.metrics(), series);
        assertTrue(after - Math.max(0, before) >= 1, "counted: " + before + " -> " + after);
        assertTrue(given().port(io.gatehouse.testing.Ports.management()).get("/q/health/ready").asString()
                .contains("\"redis\": \"up\""), "an error reply is no outage");
    }

    @Test
    void whenRedisDiesTheCachePassesRequestsThroughAndComesBackByItself() throws Exception {
        origin().set("/rc/outage", "o", "Cache-Control", "max-age=60");
        given().get("/rc/outage");
        assertEquals("HIT", given().get("/rc/outage").header("X-Cache-Status"));
        RedisCacheTestResource.redis.kill();
        try {
            int before = origin().hits("/rc/outage");
            long start = System.nanoTime();
            for (int i = 0; i < 50; i++) {
                Response r = given().get("/rc/outage");
                assertEquals(200, r.statusCode(), "never a 5xx: request " + i);
                assertEquals("o", r.asString());
            }
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(origin().hits("/rc/outage") - before >= 49, "passed through to the origin");
            assertTrue(ms < 10_000, "no request waited on Redis: 50 took " + ms + " ms");
            String ready = given().port(io.gatehouse.testing.Ports.management()).get("/q/health/ready").asString();
            assertTrue(ready.contains("\"status\": \"UP\"") && ready.contains("degraded"), ready);
        } finally {
            RedisCacheTestResource.redis.restart();
        }
        redisIsUp();
        given().get("/rc/outage");
        assertEquals("HIT", given().get("/rc/outage").header("X-Cache-Status"), "back on Redis (a fresh one: refilled)");
    }
}
