package io.gatehouse.pipeline;

import io.gatehouse.testing.GatewayTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

/** The compiled per-route chain, with the test-only {@link MarkingFilter} on routes whose id starts with "filtered". */
@QuarkusTest
@QuarkusTestResource(value = GatewayTestResource.class, restrictToAnnotatedClass = true)
class FilterChainEndToEndTest {

    @Test
    void aFilterOnTheRouteRunsItsRequestHalfAsynchronouslyAndItsResponseHalfOnTheWayBack() {
        given().get("/filtered/echo/x").then().statusCode(200)
                .header("X-Test-Filter", "passed:filtered")
                .body("uri", equalTo("/echo/x"));
    }

    @Test
    void aFilterCanAnswerItselfAndTheUpstreamIsNeverCalled() {
        given().header("X-Test-Filter", "stop").get("/filtered/echo/x").then().statusCode(403)
                .body("error", equalTo("stopped_by_filter"))
                .header("X-Instance", nullValue());
    }

    @Test
    void routesThatDoNotEnableAFilterDoNotRunIt() {
        given().header("X-Test-Filter", "stop").get("/echo/x").then().statusCode(200)
                .header("X-Test-Filter", nullValue());
    }
}
