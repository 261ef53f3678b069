package io.gatehouse.observe;

import io.gatehouse.testing.AccessLogFile;
import io.gatehouse.testing.Ports;
import io.gatehouse.testing.RateLimitTestResource;
import io.gatehouse.testing.RawHttp;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The access log as written by the running gateway (to a file under the test profile, by the same writer thread
 * that writes stdout in production): every field of the schema for a proxied request, a local reply and a request
 * refused before routing, and each route's {@code access-log} setting.
 */
@QuarkusTest
@QuarkusTestResource(value = RateLimitTestResource.class, restrictToAnnotatedClass = true)
class AccessLogEndToEndTest {
    private static final Set<String> SCHEMA = Set.of("timestamp", "level", "request_id", "trace_id", "method", "path",
            "status", "duration_ms", "client_ip", "user_id", "user_agent", "bytes_received", "bytes_sent", "route",
            "upstream_service", "upstream_target", "upstream_duration_ms", "attempts", "cache", "rate_limit", "error");
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

    private static void assertSchema(JsonObject line) {
        assertTrue(line.fieldNames().containsAll(SCHEMA), "missing fields: " + line);
        assertTrue(line.getString("timestamp").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), line.encode());
        assertTrue(line.getDouble("duration_ms") > 0, line.encode());
    }

    @Test
    void aProxiedRequestHasEveryField() throws Exception {
        Response r = given().header("X-Forwarded-For", "203.0.113.60").header("User-Agent", "access-log-test/1.0")
                .header("traceparent", "00-" + TRACE + "-00f067aa0ba902b7-01")
                .body("twelve bytes").post("/open/echo");
        assertEquals(200, r.statusCode());
        JsonObject line = AccessLogFile.line(r.header("X-Request-ID"));
        assertSchema(line);
        assertEquals("INFO", line.getString("level"));
        assertEquals("POST", line.getString("method"));
        assertEquals("/open/echo", line.getString("path"));
        assertEquals(200, line.getInteger("status"));
        assertEquals("203.0.113.60", line.getString("client_ip"));
        assertEquals("access-log-test/1.0", line.getString("user_agent"));
        assertEquals(TRACE, line.getString("trace_id"));
        assertEquals(12, line.getLong("bytes_received"));
        assertTrue(line.getLong("bytes_sent") >= r.asByteArray().length, line.encode());
        assertEquals("open", line.getString("route"));
        assertEquals("echo", line.getString("upstream_service"));
        assertEquals(Ports.upstream("rl"), line.getString("upstream_target"));
        assertTrue(line.getDouble("upstream_duration_ms") > 0
                && line.getDouble("upstream_duration_ms") <= line.getDouble("duration_ms"), line.encode());
        assertEquals(1, line.getInteger("attempts"));
        assertEquals("allowed", line.getString("rate_limit"));
        assertNull(line.getString("cache"));
        assertNull(line.getString("error"));
        assertNull(line.getString("user_id"));
    }

    @Test
    void aLocalReplyHasTheCallerOrTheErrorAndNoUpstream() throws Exception {
        Response refused = given().header("X-Forwarded-For", "203.0.113.61").get("/keyed/echo");
        assertEquals(401, refused.statusCode());
        JsonObject line = AccessLogFile.line(refused.header("X-Request-ID"));
        assertSchema(line);
        assertEquals("WARN", line.getString("level"));
        assertEquals("keyed", line.getString("route"));
        assertEquals("unauthorized", line.getString("error"));
        assertEquals(0, line.getInteger("attempts"));
        assertNull(line.getString("upstream_target"));
        assertNull(line.getValue("upstream_duration_ms"));

        Response passed = given().header("X-Forwarded-For", "203.0.113.61")
                .header("X-API-Key", RateLimitTestResource.PLAIN_KEY).get("/keyed/echo");
        assertEquals(200, passed.statusCode());
        assertEquals("plain-app", AccessLogFile.line(passed.header("X-Request-ID")).getString("user_id"));
    }

    @Test
    void aRateLimitRefusalSaysSo() throws Exception {
        Response last = null;
        for (int i = 0; i < 6; i++) {
            last = given().header("X-Forwarded-For", "203.0.113.62").get("/open-too/echo");
        }
        assertEquals(429, last.statusCode());
        JsonObject line = AccessLogFile.line(last.header("X-Request-ID"));
        assertEquals("limited", line.getString("rate_limit"));
        assertEquals("rate_limited", line.getString("error"));
        assertEquals(0, line.getInteger("attempts"));
    }

    @Test
    void requestsNoRouteTookAreLoggedAndErrorBodiesCarryTheTraceId() throws Exception {
        String id = "refused-before-routing-" + System.nanoTime(); // the log file outlives a run: an id of this run
        RawHttp.Response bad = RawHttp.send(Ports.traffic(), List.of("GET /open/a%2Fb HTTP/1.1", "Host: localhost",
                "X-Request-ID: " + id, "X-Forwarded-For: 203.0.113.63"), null);
        assertEquals(400, bad.status());
        JsonObject line = AccessLogFile.line(id);
        assertSchema(line);
        assertEquals(400, line.getInteger("status"));
        assertNull(line.getString("upstream_service"));
        assertEquals("203.0.113.63", line.getString("client_ip"));

        Response notFound = given().header("X-Forwarded-For", "203.0.113.63")
                .header("traceparent", "00-" + TRACE + "-00f067aa0ba902b7-00").get("/nowhere");
        assertEquals(404, notFound.statusCode());
        assertEquals(TRACE, notFound.jsonPath().getString("traceId"), notFound.asString());
        JsonObject missed = AccessLogFile.line(notFound.header("X-Request-ID"));
        assertEquals(404, missed.getInteger("status"));
        assertEquals(TRACE, missed.getString("trace_id"));
        // a malformed traceparent is not taken: the request gets a trace id of its own
        Response bogus = given().header("X-Forwarded-For", "203.0.113.63")
                .header("traceparent", "00-" + TRACE.toUpperCase() + "-00f067aa0ba902b7-00").get("/nowhere");
        String own = bogus.jsonPath().getString("traceId");
        assertTrue(own != null && own.matches("[0-9a-f]{32}") && !own.equalsIgnoreCase(TRACE), bogus.asString());
        assertEquals(own, AccessLogFile.line(bogus.header("X-Request-ID")).getString("trace_id"));
    }

    @Test
    void withTracingOffEveryRequestStillHasATraceIdThatTheUpstreamGets() throws Exception {
        Response r = given().header("X-Forwarded-For", "203.0.113.65").get("/open/echo");
        assertEquals(200, r.statusCode());
        String sent = r.jsonPath().getString("headers.traceparent");
        assertTrue(sent != null && sent.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-00"), "upstream traceparent: " + sent);
        assertEquals(sent.substring(3, 35), AccessLogFile.line(r.header("X-Request-ID")).getString("trace_id"));
        // a client's valid context goes on as it is, with its tracestate
        String parent = "00-" + TRACE + "-00f067aa0ba902b7-01";
        Response continued = given().header("X-Forwarded-For", "203.0.113.65").header("traceparent", parent)
                .header("tracestate", "vendor=x").get("/open/echo");
        assertEquals(parent, continued.jsonPath().getString("headers.traceparent"));
        assertEquals("vendor=x", continued.jsonPath().getString("headers.tracestate"));
        // an invalid one is replaced, and its tracestate dropped
        Response replaced = given().header("X-Forwarded-For", "203.0.113.65").header("traceparent", "garbage")
                .header("tracestate", "vendor=x").get("/open/echo");
        String fresh = replaced.jsonPath().getString("headers.traceparent");
        assertTrue(fresh.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-00"), fresh);
        assertNull(replaced.jsonPath().getString("headers.tracestate"));
    }

    @Test
    void aRouteTurnsItsLinesOffOrSamplesThemButAlwaysLogsItsServerErrors() throws Exception {
        Response quietAnswer = given().header("X-Forwarded-For", "203.0.113.64").get("/quiet/echo");
        Response sampledAnswer = given().header("X-Forwarded-For", "203.0.113.64").get("/sampled/echo");
        assertEquals(200, quietAnswer.statusCode());
        assertEquals(200, sampledAnswer.statusCode());
        String quiet = quietAnswer.header("X-Request-ID");
        String sampledOut = sampledAnswer.header("X-Request-ID");
        assertTrue(quiet != null && sampledOut != null);
        Response down = given().header("X-Forwarded-For", "203.0.113.64").get("/sampled-down/x");
        assertEquals(502, down.statusCode());
        JsonObject error = AccessLogFile.line(down.header("X-Request-ID"));
        assertEquals("ERROR", error.getString("level"));
        assertEquals("sampled-down", error.getString("route"));
        // each event loop hands its lines over within 10 ms (the writer looks every 2 ms, or 100 ms when it was
        // idle): well past that, the two lines before it would be there
        Thread.sleep(500);
        assertNull(AccessLogFile.find(quiet), "access-log: false");
        assertNull(AccessLogFile.find(sampledOut), "sample: 0 logs no 2xx");
    }
}
