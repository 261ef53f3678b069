package io.gatehouse.observe;

import static io.gatehouse.testing.Scrape.metrics;
import static io.gatehouse.testing.Scrape.value;
import io.gatehouse.testing.GatewayTestResource;
import io.gatehouse.testing.Ports;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;


import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Health and metrics live on the management port, per route id, and never on the traffic port. */
@QuarkusTest
@QuarkusTestResource(value = GatewayTestResource.class, restrictToAnnotatedClass = true)
class MetricsEndToEndTest {

    @Test
    void requestsAreCountedPerRouteAndStatusClass() {
        String before = metrics();
        for (int i = 0; i < 5; i++) {
            given().get("/echo/m" + i).then().statusCode(200);
        }
        given().get("/status/503").then().statusCode(503);
        String after = metrics();
        assertEquals(5, value(after, "gatehouse_requests_total{route=\"echo\",status_class=\"2xx\"}")
                - value(before, "gatehouse_requests_total{route=\"echo\",status_class=\"2xx\"}"));
        assertEquals(1, value(after, "gatehouse_requests_total{route=\"status\",status_class=\"5xx\"}")
                - value(before, "gatehouse_requests_total{route=\"status\",status_class=\"5xx\"}"));
        assertTrue(value(after, "gatehouse_request_duration_seconds_count{route=\"echo\"}") >= 5, after);
        assertTrue(value(after, "gatehouse_upstream_duration_seconds_count{route=\"echo\"}") >= 5, after);
        assertTrue(after.contains("gatehouse_request_duration_seconds_bucket{route=\"echo\",le=\"0.005\"}"), after);
        assertTrue(after.contains("gatehouse_requests_in_flight{route=\"echo\"}"), after);
    }

    @Test
    void unmatchedRequestsShareOneLabelWhateverThePath() {
        String before = metrics();
        given().get("/invented-path-xyz-1").then().statusCode(404);
        given().get("/invented-path-xyz-2/deeper").then().statusCode(404);
        String after = metrics();
        assertEquals(2, value(after, "gatehouse_requests_total{route=\"(unmatched)\",status_class=\"4xx\"}")
                - value(before, "gatehouse_requests_total{route=\"(unmatched)\",status_class=\"4xx\"}"));
        assertFalse(after.contains("invented-path"), "a raw path became a label");
    }

    @Test
    void healthIsOnTheManagementPortAndReadyWithAConfig() {
        given().port(Ports.management()).get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.find { it.name == 'gatehouse-config' }.data.routes", equalTo(17));
        given().port(Ports.management()).get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void theTrafficPortServesNothingAdministrative() {
        given().get("/q/metrics").then().statusCode(404).body("error", equalTo("no_route"));
        given().get("/q/health").then().statusCode(404).body("error", equalTo("no_route"));
    }
}
