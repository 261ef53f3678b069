package io.gatehouse.upstream;

import io.gatehouse.testing.HealthTestResource;
import io.gatehouse.testing.Ports;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static io.gatehouse.testing.Await.eventually;
import static io.gatehouse.testing.Await.control;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Circuit breakers per target (SmallRye Fault Tolerance), against real upstreams steered through /control. */
@QuarkusTest
@QuarkusTestResource(value = HealthTestResource.class, restrictToAnnotatedClass = true)
class CircuitBreakerEndToEndTest {


    private static Map<String, Integer> spread(String path, int requests) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < requests; i++) {
            Response r = given().get(path);
            counts.merge(r.statusCode() == 200 ? r.header("X-Instance") : "status " + r.statusCode(), 1, Integer::sum);
        }
        return counts;
    }


    @Test
    void anOpenBreakerTakesItsTargetOutAndATrialClosesIt() throws InterruptedException {
        control("e", "fail=500");
        try {
            Map<String, Integer> failing = spread("/guarded/echo", 12);
            // e fails until its breaker opens (4 requests at ratio 1.0): from then on f takes everything
            assertTrue(failing.getOrDefault("status 500", 0) <= 5, failing.toString());
            assertEquals(Map.of("f", 10), spread("/guarded/echo", 10), "e's breaker is open");
            String metrics = given().port(Ports.management()).get("/q/metrics").asString();
            assertTrue(metrics.contains("gatehouse_upstream_target_circuit_open{target=\"" + Ports.upstream("e")
                    + "\",upstream=\"guarded\"} 1.0"), "breaker state not in metrics");
        } finally {
            control("e", "fail=0");
        }
        // after the 1 s delay the next request is the trial; it succeeds and e is back
        eventually(() -> spread("/guarded/echo", 6).containsKey("e"), "e back after a successful trial");
    }

    @Test
    void whenEveryBreakerIsOpenTheAnswerIs503WithRetryAfter() throws InterruptedException {
        control("g", "fail=502");
        try {
            eventually(() -> given().get("/lonely/echo").statusCode() == 503, "the only breaker opens");
            given().get("/lonely/echo").then().statusCode(503)
                    .header("Retry-After", "5")
                    .body("error", equalTo("circuit_open"));
        } finally {
            control("g", "fail=0");
        }
    }
}
