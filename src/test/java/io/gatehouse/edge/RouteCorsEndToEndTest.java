package io.gatehouse.edge;

import io.gatehouse.testing.CorsBrowserTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.gatehouse.testing.RawHttp;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.gatehouse.edge.CorsEndToEndTest.all;
import static io.gatehouse.edge.CorsEndToEndTest.corsFields;
import static io.gatehouse.edge.CorsEndToEndTest.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * CORS and response headers set on routes only (no server settings): each such route's own filter, first in its
 * chain, still puts them on what the route's other filters answer (a 403 of its IP rules), and routes and answers
 * outside them get nothing.
 */
@QuarkusTest
@QuarkusTestResource(value = CorsBrowserTestResource.class, restrictToAnnotatedClass = true)
class RouteCorsEndToEndTest {

    @Test
    void aRoutesSettingsAreOnItsFiltersRefusalsAndNowhereElse() throws Exception {
        RawHttp.Response refused = send("GET", "/guarded/x", "Origin: https://app.example.com");
        assertEquals(403, refused.status(), refused.body());
        assertEquals("https://app.example.com", refused.header("Access-Control-Allow-Origin"));
        assertEquals(List.of("Origin"), all(refused, "Vary"));
        assertEquals("nosniff", refused.header("X-Content-Type-Options"));
        assertEquals("guarded", refused.header("X-Route"));

        RawHttp.Response preflight = send("OPTIONS", "/guarded/x", "Origin: https://app.example.com",
                "Access-Control-Request-Method: GET");
        assertEquals(403, preflight.status(), "the route's IP rules come before its preflights");

        for (String target : List.of("/closed/x", "/nowhere")) {
            RawHttp.Response other = send("GET", target, "Origin: https://app.example.com");
            assertEquals(List.of(), corsFields(other), target);
            assertEquals(List.of(), all(other, "Vary"), target);
            assertNull(other.header("X-Content-Type-Options"), target);
            assertNull(other.header("X-Route"), target);
        }
    }
}
