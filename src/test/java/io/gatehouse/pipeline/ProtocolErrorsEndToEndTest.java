package io.gatehouse.pipeline;

import static io.gatehouse.testing.Scrape.value;
import io.gatehouse.testing.GatewayTestResource;
import io.gatehouse.testing.Ports;
import io.gatehouse.testing.RawHttp;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Requests refused before routing get the same JSON errors as everything else, not Vert.x' empty or plain ones. */
@QuarkusTest
@QuarkusTestResource(value = GatewayTestResource.class, restrictToAnnotatedClass = true)
class ProtocolErrorsEndToEndTest {

    private static void assertJsonError(RawHttp.Response r, int status, String code) {
        assertEquals(status, r.status(), r.body());
        assertTrue(r.header("Content-Type").startsWith("application/json"), r.header("Content-Type"));
        JsonObject json = r.json();
        assertEquals(status, json.getInteger("status"));
        assertEquals(code, json.getString("error"));
        assertEquals(r.header("X-Request-ID"), json.getString("requestId"));
        assertTrue(RequestIds.isWellFormed(json.getString("requestId")));
    }

    private static RawHttp.Response send(String... head) throws IOException {
        return RawHttp.send(Ports.traffic(), List.of(head), null);
    }

    @Test
    void aBrokenRequestLineIs400() throws IOException {
        assertJsonError(send("NOT HTTP AT ALL"), 400, "bad_request");
    }

    @Test
    void aRequestLineOverTheLimitIs414() throws IOException {
        assertJsonError(send("GET /" + "a".repeat(5000) + " HTTP/1.1", "Host: localhost"), 414, "uri_too_long");
    }

    @Test
    void headersOverTheLimitAre431AndCountedWithTheUnmatched() throws IOException {
        String series = "gatehouse_requests_total{route=\"(unmatched)\",status_class=\"4xx\"}";
        double before = value(series);
        assertJsonError(send("GET /echo/x HTTP/1.1", "Host: localhost", "X-Big: " + "b".repeat(30_000)),
                431, "headers_too_large");
        assertEquals(before + 1, value(series));
    }

    @Test
    void aMalformedHeaderIs400() throws IOException {
        assertJsonError(send("GET /echo/x HTTP/1.1", "Host: localhost", "Bad Name: v"), 400, "bad_request");
    }

    @Test
    void http11WithoutHostIs400() throws IOException {
        RawHttp.Response r = send("GET /echo/x HTTP/1.1");
        assertJsonError(r, 400, "bad_request");
        assertTrue(r.json().getString("message").contains("Host"), r.body());
    }

    @Test
    void connectIs405() throws IOException {
        assertJsonError(send("CONNECT evil.example:443 HTTP/1.1", "Host: evil.example:443"), 405, "method_not_allowed");
    }
}
