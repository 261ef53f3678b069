package io.gatehouse.ratelimit;

import io.gatehouse.testing.Await;
import io.gatehouse.testing.Ports;
import io.gatehouse.testing.Readiness;
import io.gatehouse.testing.RedisSentinelRateLimitTestResource;
import io.gatehouse.testing.RedisSentinels;
import io.gatehouse.testing.RedisServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.gatehouse.testing.Scrape.value;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rate limits kept in Redis found through a real Sentinel, through the running gateway: exact limits on the master
 * it names, and the master killed under load: no error while the sentinel fails over (the limiter falls back), then
 * back to Redis on the promoted replica by itself.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisSentinelRateLimitTestResource.class, restrictToAnnotatedClass = true)
class RedisSentinelRateLimitTest {
    private static RedisSentinels redis() {
        return RedisSentinelRateLimitTestResource.redis;
    }

    @BeforeEach
    void aReplicatedMasterIsUp() throws Exception {
        // a node an earlier test killed comes back; the sentinel makes it a replica of the master it elected
        redis().first.restart();
        redis().second.restart();
        redis().awaitReplicated();
        Await.eventually(() -> "up".equals(Readiness.detail("redis")), "the gateway reaches the master");
    }

    @Test
    void limitsHoldExactlyOnTheMasterTheSentinelNames() throws Exception {
        double fallbacksBefore = value("gatehouse_ratelimit_fallback_total{policy=\"per-ip\"}");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        Map<String, Integer> ok = new TreeMap<>();
        try {
            Map<String, List<java.util.concurrent.Future<Integer>>> calls = new TreeMap<>();
            for (int i = 0; i < 7; i++) {
                for (int c = 1; c <= 20; c++) {
                    String client = "198.51.100." + c;
                    calls.computeIfAbsent(client, k -> new ArrayList<>()).add(pool.submit(() -> Readiness.statusFrom(client, "/limited/echo")));
                }
            }
            for (var e : calls.entrySet()) {
                int n = 0;
                for (var f : e.getValue()) {
                    n += f.get() == 200 ? 1 : 0;
                }
                ok.put(e.getKey(), n);
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(ok.values().stream().allMatch(n -> n == 5), "5 of 7 pass for each client: " + ok);
        assertEquals(fallbacksBefore, value("gatehouse_ratelimit_fallback_total{policy=\"per-ip\"}"), "no decision fell back");
        String key = RedisCounters.keyPrefix("ip:198.51.100.1", "per-ip") + ":sw:86400";
        assertEquals("1", redis().master().cli("exists", key), "counted on the master");
    }

    @Test
    void theMasterDyingUnderLoadFailsNothingAndTheLimiterMovesToThePromotedReplica() throws Exception {
        RedisServer master = redis().master();
        List<Integer> statuses = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger client = new AtomicInteger();
        ExecutorService load = Executors.newFixedThreadPool(8);
        for (int t = 0; t < 8; t++) {
            load.submit(() -> {
                while (!stop.get()) {
                    statuses.add(Readiness.statusFrom("10.2." + (client.get() / 250) + "." + (client.incrementAndGet() % 250), "/roomy/echo"));
                }
                return null;
            });
        }
        RedisServer promoted;
        try {
            Thread.sleep(1000);
            master.kill();
            Await.eventually(() -> Readiness.detail("redis").startsWith("degraded: "), "the limiter falls back");
            assertEquals(200, given().port(Ports.management()).get("/q/health/ready").statusCode(), "readiness stays UP");
            // nobody restarts the old master: the sentinel promotes the replica, and the gateway finds it alone
            Await.eventually(() -> "up".equals(Readiness.detail("redis")), "the limiter is back on Redis");
            promoted = redis().master();
            assertNotSame(master, promoted, "the sentinel promoted the replica");
            Thread.sleep(500);
        } finally {
            stop.set(true);
            load.shutdown();
            load.awaitTermination(20, TimeUnit.SECONDS);
        }
        assertTrue(statuses.size() > 100, "requests made: " + statuses.size());
        assertTrue(statuses.stream().allMatch(s -> s == 200), "every request passed: "
                + statuses.stream().filter(s -> s != 200).toList());
        assertTrue(value("gatehouse_ratelimit_fallback_total{policy=\"roomy\"}") > 0, "some fell back meanwhile");
        assertEquals(1.0, value("gatehouse_redis_up"));

        assertEquals(200, Readiness.statusFrom("192.0.2.77", "/roomy/echo"));
        String key = RedisCounters.keyPrefix("ip:192.0.2.77", "roomy") + ":sw:86400";
        assertEquals("1", promoted.cli("exists", key), "counted on the promoted replica");
    }
}
