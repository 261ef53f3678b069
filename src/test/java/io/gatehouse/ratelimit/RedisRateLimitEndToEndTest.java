package io.gatehouse.ratelimit;

import io.gatehouse.testing.Ports;
import io.gatehouse.testing.RedisRateLimitTestResource;
import io.gatehouse.testing.RedisServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.gatehouse.testing.Scrape.metrics;
import static io.gatehouse.testing.Scrape.value;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rate limits kept in a real Redis, through the running gateway: exact counts, and Redis dying under load. */
@QuarkusTest
@QuarkusTestResource(value = RedisRateLimitTestResource.class, restrictToAnnotatedClass = true)
class RedisRateLimitEndToEndTest {

    private static Response get(String client, String path) {
        return given().header("X-Forwarded-For", client).get(path);
    }

    private static String readiness() {
        return given().port(Ports.management()).get("/q/health/ready").asString();
    }

    /** The readiness report's Redis detail: up, degraded: …, connecting. */
    private static String redisState() {
        return given().port(Ports.management()).get("/q/health/ready").jsonPath()
                .getString("checks.find { it.name == 'gatehouse-config' }.data.redis");
    }

    @BeforeEach
    void redisIsUp() throws Exception {
        RedisServer redis = RedisRateLimitTestResource.redis;
        redis.restart();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!"up".equals(redisState())) {
            assertTrue(System.nanoTime() < deadline, "the gateway did not reach Redis: " + readiness());
            Thread.sleep(50);
        }
    }

    @Test
    void fiftyConcurrentClientsOfOneAddressGetExactlyTheLimitThroughAndTheCountersAreInRedis() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            List<Future<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                calls.add(pool.submit(() -> get("198.51.100.7", "/shared/echo").statusCode()));
            }
            int ok = 0;
            for (Future<Integer> call : calls) {
                ok += call.get() == 200 ? 1 : 0;
            }
            assertEquals(20, ok);
        } finally {
            pool.shutdownNow();
        }
        String key = RedisCounters.keyPrefix("ip:198.51.100.7", "shared") + ":sw:86400";
        assertEquals(":1", RedisRateLimitTestResource.redis.command("EXISTS " + key));
        assertEquals("1", given().port(Ports.management()).get("/q/health/ready").jsonPath()
                .getString("checks.find { it.name == 'gatehouse-config' }.data['redis.replicas']"));
    }

    @Test
    void whenRedisDiesUnderLoadNothingFailsNothingStallsAndTheLimiterComesBackToRedis() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI uri = URI.create("http://127.0.0.1:" + Ports.traffic() + "/roomy/echo");
        List<Long> before = Collections.synchronizedList(new ArrayList<>());
        List<Long> during = Collections.synchronizedList(new ArrayList<>());
        List<Integer> statuses = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean outage = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger client = new AtomicInteger();
        ExecutorService load = Executors.newFixedThreadPool(8);
        for (int t = 0; t < 8; t++) {
            load.submit(() -> {
                String address = "192.0.2." + client.incrementAndGet();
                while (!stop.get()) {
                    long start = System.nanoTime();
                    try {
                        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(uri).header("X-Forwarded-For", address)
                                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
                        statuses.add(r.statusCode());
                    } catch (Exception e) {
                        statuses.add(-1);
                    }
                    (outage.get() ? during : before).add(System.nanoTime() - start);
                }
                return null;
            });
        }
        try {
            Thread.sleep(2000);
            outage.set(true);
            RedisRateLimitTestResource.redis.kill();
            Thread.sleep(2000);
            assertTrue(redisState().startsWith("degraded: "), readiness());
            assertTrue(given().port(Ports.management()).get("/q/health/ready").statusCode() == 200, "readiness stays UP");
            assertEquals(0.0, value(metrics(), "gatehouse_redis_up"));
            assertTrue(value(metrics(), "gatehouse_ratelimit_fallback_total{policy=\"roomy\"}") > 0);
        } finally {
            stop.set(true);
            load.shutdown();
            load.awaitTermination(20, TimeUnit.SECONDS);
        }
        assertTrue(statuses.size() > 100, "requests made: " + statuses.size());
        assertTrue(statuses.stream().allMatch(s -> s == 200), "every request passed: " + statuses.stream().filter(s -> s != 200).toList());
        long normal = p99(before);
        long outagePeak = p99(during);
        assertTrue(outagePeak <= Math.max(5 * normal, TimeUnit.MILLISECONDS.toNanos(60)),
                "p99 " + outagePeak / 1000 + " µs during the outage against " + normal / 1000 + " µs before");

        RedisRateLimitTestResource.redis.restart();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!"up".equals(redisState())) {
            assertTrue(System.nanoTime() < deadline, "the limiter did not come back to Redis: " + readiness());
            Thread.sleep(50);
        }
        get("192.0.2.200", "/roomy/echo").then().statusCode(200);
        String key = RedisCounters.keyPrefix("ip:192.0.2.200", "roomy") + ":sw:86400";
        assertEquals(":1", RedisRateLimitTestResource.redis.command("EXISTS " + key), "counted in Redis again");
    }

    @Test
    void whileRedisIsDownAClosedPolicyRefusesAndAnOpenOneLetsThroughUncounted() throws Exception {
        RedisRateLimitTestResource.redis.kill();
        // the first request finds out (its call fails fast); the ones after it do not even try
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!redisState().startsWith("degraded")) {
            get("192.0.2.50", "/open/echo");
            assertTrue(System.nanoTime() < deadline, readiness());
            Thread.sleep(20);
        }
        Response closed = get("192.0.2.51", "/closed/echo");
        assertEquals(429, closed.statusCode());
        assertEquals("1", closed.header("Retry-After"));
        Response open = get("192.0.2.52", "/open/echo");
        assertEquals(200, open.statusCode());
        assertNull(open.header("RateLimit-Policy"), "nothing counted, nothing to report");
    }

    private static long p99(List<Long> nanos) {
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        return sorted.isEmpty() ? 0 : sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(sorted.size() * 0.99) - 1));
    }
}
