package io.gatehouse.ratelimit;

import io.gatehouse.testing.Await;
import io.gatehouse.testing.Ports;
import io.gatehouse.testing.Readiness;
import io.gatehouse.testing.RedisCluster;
import io.gatehouse.testing.RedisClusterRateLimitTestResource;
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
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.gatehouse.testing.Scrape.value;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rate limits kept in a real three-master Redis Cluster, through the running gateway: counted keys spread over every
 * master with each key's windows in one slot, exact limits, scripts reloaded on a node that lost them, the replica
 * heartbeat, and a node dying under load (fallback, no error) and coming back.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisClusterRateLimitTestResource.class, restrictToAnnotatedClass = true)
class RedisClusterRateLimitTest {
    private static RedisCluster cluster() {
        return RedisClusterRateLimitTestResource.cluster;
    }

    private static double fallbacks() {
        return value("gatehouse_ratelimit_fallback_total{policy=\"per-ip\"}");
    }

    @BeforeEach
    void clusterIsUp() throws Exception {
        for (RedisServer node : cluster().nodes) {
            node.restart();
        }
        cluster().awaitOk();
        Await.eventually(() -> "up".equals(Readiness.detail("redis")), "the gateway reaches the cluster");
    }

    /** Sends {@code each} requests for each of {@code clients}, eight at a time; how many passed, by client. */
    private static Map<String, Integer> passed(List<String> clients, int each) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            Map<String, List<Future<Integer>>> calls = new TreeMap<>();
            for (int i = 0; i < each; i++) {
                for (String client : clients) {
                    calls.computeIfAbsent(client, c -> new ArrayList<>()).add(pool.submit(() -> Readiness.statusFrom(client, "/limited/echo")));
                }
            }
            Map<String, Integer> ok = new TreeMap<>();
            for (Map.Entry<String, List<Future<Integer>>> e : calls.entrySet()) {
                int n = 0;
                for (Future<Integer> f : e.getValue()) {
                    int s = f.get();
                    assertTrue(s == 200 || s == 429, e.getKey() + " got " + s);
                    n += s == 200 ? 1 : 0;
                }
                ok.put(e.getKey(), n);
            }
            return ok;
        } finally {
            pool.shutdownNow();
        }
    }

    private static List<String> clients(String prefix, int count) {
        List<String> clients = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            clients.add(prefix + i);
        }
        return clients;
    }

    @Test
    void limitsHoldExactlyForKeysOnEveryMasterAndEachNodeGetsTheScriptBackAfterAFlush() throws Exception {
        double fallbacksBefore = fallbacks();
        List<String> first = clients("198.51.100.", 60);
        Map<String, Integer> ok = passed(first, 7);
        assertTrue(ok.values().stream().allMatch(n -> n == 5), "5 of 7 pass for each client: " + ok);

        // each client's three windows (two of per-ip, one of per-ip-gcra) share its slot; clients spread over masters
        String key = RedisCounters.keyPrefix("ip:198.51.100.1", "per-ip");
        String slot = cluster().onKey("cluster", "keyslot", key + ":sw:86400");
        assertEquals(slot, cluster().onKey("cluster", "keyslot", key + ":sw:3600"));
        assertEquals(slot, cluster().onKey("cluster", "keyslot",
                RedisCounters.keyPrefix("ip:198.51.100.1", "per-ip-gcra") + ":gcra:86400"));
        assertEquals("1", cluster().onKey("exists", key + ":sw:86400"));
        List<Long> perNode = cluster().keysPerNode("gatehouse:rl:{ip:198.51.100.*");
        assertTrue(perNode.stream().allMatch(n -> n >= 10), "keys on every master: " + perNode);
        assertEquals(3 * 60, perNode.stream().mapToLong(Long::longValue).sum(), "3 keys a client: " + perNode);

        // every node forgets the script: each one that gets an EVALSHA answers NOSCRIPT, and is sent the script again
        for (RedisServer node : cluster().nodes) {
            assertEquals("OK", node.cli("script", "flush"));
        }
        Map<String, Integer> after = passed(clients("203.0.113.", 60), 7);
        assertTrue(after.values().stream().allMatch(n -> n == 5), "5 of 7 pass for each client: " + after);
        for (RedisServer node : cluster().nodes) {
            assertEquals("1", node.cli("script", "exists", RedisCounters.SHA), "the script is back on " + node.port);
        }
        assertEquals(fallbacksBefore, fallbacks(), "no decision fell back");
        assertEquals(Collections.nCopies(60, 0), new ArrayList<>(passed(first, 1).values()), "the first clients stay limited");
    }

    @Test
    void theHeartbeatCountsTheReplicasSharingTheCluster() throws Exception {
        Await.eventually(() -> "1".equals(Readiness.detail("redis.replicas")), "this replica counts itself");
        String members = cluster().onKey("zrange", "gatehouse:replicas", "0", "-1");
        assertEquals(1, members.lines().count(), members);
        // another replica's heartbeat, written where the cluster keeps the key
        cluster().onKey("zadd", "gatehouse:replicas", String.valueOf(System.currentTimeMillis() + 60_000), "another-replica");
        Await.eventually(() -> "2".equals(Readiness.detail("redis.replicas")), "the other replica is counted");
        cluster().onKey("zrem", "gatehouse:replicas", "another-replica");
        Await.eventually(() -> "1".equals(Readiness.detail("redis.replicas")), "and forgotten");
    }

    @Test
    void aNodeDyingUnderLoadFailsNothingAndTheLimiterComesBackWhenItReturns() throws Exception {
        List<Integer> statuses = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger client = new AtomicInteger();
        ExecutorService load = Executors.newFixedThreadPool(8);
        for (int t = 0; t < 8; t++) {
            load.submit(() -> {
                while (!stop.get()) {
                    // a new address each time: the keys land on every master, the dead one's included
                    statuses.add(Readiness.statusFrom("10.1." + (client.get() / 250) + "." + (client.incrementAndGet() % 250), "/roomy/echo"));
                }
                return null;
            });
        }
        RedisServer victim = cluster().nodes.get(1);
        try {
            Thread.sleep(1000);
            victim.kill();
            Await.eventually(() -> Readiness.detail("redis").startsWith("degraded: "), "the limiter falls back");
            Thread.sleep(1000);
            assertEquals(200, given().port(Ports.management()).get("/q/health/ready").statusCode(), "readiness stays UP");
            assertEquals(0.0, value("gatehouse_redis_up"));
            assertTrue(value("gatehouse_ratelimit_fallback_total{policy=\"roomy\"}") > 0);
        } finally {
            stop.set(true);
            load.shutdown();
            load.awaitTermination(20, TimeUnit.SECONDS);
        }
        assertTrue(statuses.size() > 100, "requests made: " + statuses.size());
        assertTrue(statuses.stream().allMatch(s -> s == 200), "every request passed: "
                + statuses.stream().filter(s -> s != 200).toList());

        victim.restart();
        cluster().awaitOk();
        Await.eventually(() -> "up".equals(Readiness.detail("redis")), "the limiter comes back to the cluster");
        List<String> again = clients("192.0.2.", 30);
        for (String c : again) {
            assertEquals(200, Readiness.statusFrom(c, "/roomy/echo"));
        }
        for (String c : again) {
            assertEquals("1", cluster().onKey("exists", RedisCounters.keyPrefix("ip:" + c, "roomy") + ":sw:86400"),
                    "counted in the cluster again: " + c);
        }
        assertTrue(victim.cli("dbsize").matches("[1-9][0-9]*"), "the restarted node holds keys again");
    }
}
