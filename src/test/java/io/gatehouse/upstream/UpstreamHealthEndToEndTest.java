package io.gatehouse.upstream;

import io.gatehouse.testing.HealthTestResource;
import io.gatehouse.testing.Ports;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static io.gatehouse.testing.Await.eventually;
import static io.gatehouse.testing.Await.control;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Active and passive health and key-based balancing, against real upstreams steered through /control. */
@QuarkusTest
@QuarkusTestResource(value = HealthTestResource.class, restrictToAnnotatedClass = true)
class UpstreamHealthEndToEndTest {


    private static String instanceOf(String path) {
        Response r = given().get(path);
        return r.statusCode() == 200 ? r.header("X-Instance") : "status " + r.statusCode();
    }

    private static Map<String, Integer> spread(String path, int requests) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < requests; i++) {
            counts.merge(instanceOf(path), 1, Integer::sum);
        }
        return counts;
    }


    @AfterEach
    void allHealthy() throws InterruptedException {
        for (String instance : new String[] {"a", "b", "c", "d"}) {
            control(instance, "health=200&fail=0&delay=0");
        }
        eventually(() -> spread("/checked/echo", 8).keySet().equals(Set.of("a", "b")), "both checked targets back");
        // let any ejection of the passive upstream run out
        eventually(() -> spread("/passive/echo", 8).keySet().equals(Set.of("c", "d")), "both passive targets back");
    }

    @Test
    void aTargetFailingItsHealthCheckLeavesTheRotationAndComesBack() throws InterruptedException {
        assertEquals(Map.of("a", 10, "b", 10), spread("/checked/echo", 20));
        control("a", "health=503");
        eventually(() -> spread("/checked/echo", 10).equals(Map.of("b", 10)), "a out of rotation");
        given().port(Ports.management()).get("/q/health/ready").then().statusCode(200)
                .body(containsString("1/2 targets available"))
                .body("status", equalTo("UP"));
        control("a", "health=200");
        eventually(() -> spread("/checked/echo", 10).containsKey("a"), "a back in rotation");
    }

    @Test
    void noHealthyTargetIs503Json() throws InterruptedException {
        control("a", "health=503");
        control("b", "health=500");
        eventually(() -> given().get("/checked/echo").statusCode() == 503, "both out");
        given().get("/checked/echo").then().statusCode(503).body("error", equalTo("no_healthy_target"));
        given().port(Ports.management()).get("/q/health/ready").then().statusCode(200)
                .body(containsString("0/2 targets available"));
    }

    @Test
    void aTargetFailingRealTrafficIsEjectedThenTriedAgain() throws InterruptedException {
        control("c", "fail=502");
        Map<String, Integer> during = spread("/passive/echo", 12);
        // c answers 502 until its third failure in a row ejects it; everything after goes to d
        assertTrue(during.getOrDefault("status 502", 0) <= 3, during.toString());
        assertEquals(Map.of("d", 10), spread("/passive/echo", 10), "c is ejected");
        control("c", "fail=0");
        eventually(() -> spread("/passive/echo", 10).containsKey("c"), "c tried again after eject-for");
    }

    @Test
    void neverMoreThanHalfTheTargetsAreEjected() {
        control("c", "fail=503");
        control("d", "fail=503");
        Map<String, Integer> counts = spread("/passive/echo", 30);
        // one of the two may be ejected; the other keeps taking traffic (and failing): no 503 from the gateway
        assertTrue(counts.keySet().stream().allMatch(k -> k.equals("status 503")), counts.toString());
    }

    @Test
    void consistentHashKeepsAKeyOnOneTargetAndSpreadsKeys() {
        Set<String> used = new HashSet<>();
        for (int user = 0; user < 30; user++) {
            String first = given().header("X-User-ID", "user-" + user).get("/hashed/echo").header("X-Instance");
            for (int i = 0; i < 3; i++) {
                assertEquals(first, given().header("X-User-ID", "user-" + user).get("/hashed/echo").header("X-Instance"));
            }
            used.add(first);
        }
        assertEquals(Set.of("a", "b", "c"), used, "30 keys over 3 targets use all of them");
    }

    @Test
    void leastConnectionsSendsConcurrentLoadAwayFromASlowTarget() throws Exception {
        control("a", "delay=200"); // a answers in 200 ms, b at once: a's requests pile up in flight
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        java.util.concurrent.ConcurrentHashMap<String, Integer> counts = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.List<java.util.concurrent.Future<?>> futures = new java.util.ArrayList<>();
        for (int c = 0; c < 8; c++) {
            futures.add(pool.submit(() -> {
                for (int i = 0; i < 15; i++) {
                    counts.merge(instanceOf("/least/echo"), 1, Integer::sum);
                }
            }));
        }
        for (var f : futures) {
            f.get();
        }
        pool.shutdown();
        int a = counts.getOrDefault("a", 0);
        int b = counts.getOrDefault("b", 0);
        assertEquals(120, a + b, counts.toString());
        // round robin would give 60/60; least connections sends most of the load to the fast target
        assertTrue(b > 3 * a, counts.toString());
    }

    @Test
    void targetMetricsShowAvailabilityRequestsErrorsAndLatency() {
        spread("/checked/echo", 4);
        control("c", "fail=500");
        spread("/passive/echo", 2);
        String metrics = given().port(Ports.management()).get("/q/metrics").asString();
        assertTrue(metrics.contains("gatehouse_upstream_target_available{target=\"" + Ports.upstream("a") + "\",upstream=\"checked\"} 1.0"),
                metrics.lines().filter(l -> l.contains("target_available")).toList().toString());
        assertTrue(metrics.contains("gatehouse_upstream_target_in_flight{"), "in-flight gauge missing");
        assertTrue(metrics.contains("gatehouse_upstream_requests_total{outcome=\"success\",target=\"" + Ports.upstream("a")
                + "\",upstream=\"checked\"}"), "per-target request count missing");
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("gatehouse_upstream_requests_total{outcome=\"failure\",target=\""
                + Ports.upstream("c") + "\",upstream=\"passive\"}") && !l.endsWith(" 0.0")), "per-target errors missing");
        assertTrue(metrics.contains("gatehouse_upstream_target_duration_seconds_count{target=\"" + Ports.upstream("a")
                + "\",upstream=\"checked\"}"), "per-target latency missing");
    }
}
