package io.gatehouse.routing;

import io.gatehouse.testing.GatewayTestResource;
import io.gatehouse.testing.Ports;
import io.gatehouse.testing.RawHttp;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Routing as a client sees it, through the running gateway (config in {@link GatewayTestResource}). */
@QuarkusTest
@QuarkusTestResource(value = GatewayTestResource.class, restrictToAnnotatedClass = true)
class RoutingEndToEndTest {

    @Test
    void aParamRouteRewritesWithItsParameterAndKeepsTheQuery() {
        given().urlEncodingEnabled(false).get("/shop/items/42?q=a%20b").then().statusCode(200)
                .body("uri", equalTo("/echo/v2/items/42?q=a%20b"));
    }

    @Test
    void aMethodTheSpecificRouteRefusesFallsToTheNextRouteThatAllowsIt() {
        given().post("/shop/items/42").then().statusCode(200).body("uri", equalTo("/echo/shop/items/42"));
    }

    @Test
    void aMethodNoMatchingRouteAllowsIs405WithAllow() {
        given().delete("/shop/items/42").then().statusCode(405)
                .header("Allow", "GET, POST")
                .contentType("application/json")
                .body("error", equalTo("method_not_allowed"))
                .body("status", equalTo(405));
    }

    @Test
    void noMatchingRouteIs404Json() {
        given().get("/nothing/here").then().statusCode(404)
                .contentType("application/json")
                .header("X-Request-ID", matchesPattern("[0-9a-f]{32}"))
                .body("error", equalTo("no_route"))
                .body("status", equalTo(404));
    }

    @Test
    void aHostConditionWinsOverTheSamePathWithout() throws IOException {
        RawHttp.Response specific = RawHttp.send(Ports.traffic(),
                List.of("GET /hosted/a/b HTTP/1.1", "Host: API.Example.com:8443"), null);
        assertEquals("/echo/host-specific/a/b", specific.json().getString("uri"));
        RawHttp.Response other = RawHttp.send(Ports.traffic(), List.of("GET /hosted/a/b HTTP/1.1", "Host: other.example.com"), null);
        assertEquals("/echo/host-any/a/b", other.json().getString("uri"));
    }

    @Test
    void aHeaderConditionSelectsItsRoute() {
        given().header("X-Api-Version", "2").get("/versioned").then().statusCode(200).body("uri", equalTo("/echo/v2"));
        given().header("X-Api-Version", "3").get("/versioned").then().statusCode(200).body("uri", equalTo("/echo/v1"));
        given().get("/versioned").then().statusCode(200).body("uri", equalTo("/echo/v1"));
    }

    @Test
    void restRoutesMatchTheirPrefixItself() {
        given().get("/shop").then().statusCode(200).body("uri", equalTo("/echo/shop"));
    }

    @Test
    void dotSegmentsAreResolvedBeforeRoutingSoTheyCannotEscapeARoute() throws IOException {
        RawHttp.Response r = RawHttp.get(Ports.traffic(), "/shop/../echo/x");
        assertEquals(200, r.status());
        assertEquals("/echo/x", r.json().getString("uri"));
        assertEquals("/echo/x", r.json().getString("path"));
    }

    @Test
    void dotSegmentsHiddenBehindEncodedSlashesAre400() throws IOException {
        RawHttp.Response r = RawHttp.get(Ports.traffic(), "/shop/..%2F..%2Fdead");
        assertEquals(400, r.status());
        assertEquals("bad_path", r.json().getString("error"));
    }

    @Test
    void percentEncodedParametersReachTheUpstreamEncoded() {
        given().urlEncodingEnabled(false).get("/shop/items/a%3fb%20c").then().statusCode(200)
                .body("uri", equalTo("/echo/v2/items/a%3Fb%20c"));
    }

    @Test
    void anEncodedSlashIsRefusedWhereTheRouteDoesNotAllowIt() {
        given().urlEncodingEnabled(false).get("/shop/items/a%2Fb").then().statusCode(400)
                .body("error", equalTo("bad_path"));
    }
}
