package io.gatehouse.pipeline;

import io.gatehouse.testing.PipelineTestResource;
import io.gatehouse.testing.TestUpstream;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

import static io.gatehouse.testing.Await.eventually;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The filter phases end to end, with the test-only {@link TestFilters} against real upstreams: local replies and
 * gateway errors through the response phase, upstream-request edits on every attempt, body transforms, async
 * waits, completion, and filter state across a reload.
 */
@QuarkusTest
@QuarkusTestResource(value = PipelineTestResource.class, restrictToAnnotatedClass = true)
class FilterPipelineEndToEndTest {

    @Test
    void aLocalReplyCarriesTheHeadersOfAnOuterFiltersResponsePhaseAndAllOfItsOwn() {
        Response r = given().header("X-Test-Outer", "1").header("X-Test-Filter", "stop").get("/filtered/echo/x");
        r.then().statusCode(403)
                .body("error", equalTo("stopped_by_filter"))
                .header("X-Test-Outer", "seen:403")
                .header("X-Test-Filter", "passed:filtered") // the replying filter's own response phase ran too
                .header("X-Instance", nullValue()); // the upstream was never called
        assertEquals(List.of("one", "two"), r.headers().getValues("X-Test-Local"));
    }

    @Test
    void answersTheGatewayMakesPassThroughTheResponsePhase() {
        // 404 from routing: only the global stage ran
        given().header("X-Test-Outer", "1").get("/nowhere").then().statusCode(404)
                .body("error", equalTo("no_route")).header("X-Test-Outer", "seen:404");
        // 502: the target refuses connections
        given().header("X-Test-Outer", "1").get("/filtered-dead").then().statusCode(502)
                .body("error", equalTo("upstream_unavailable"))
                .header("X-Test-Outer", "seen:502").header("X-Test-Filter", "passed:filtered-dead");
        // 504: the upstream answers after the 300 ms timeout
        given().header("X-Test-Outer", "1").get("/filtered-slow?ms=2000").then().statusCode(504)
                .body("error", equalTo("upstream_timeout"))
                .header("X-Test-Outer", "seen:504").header("X-Test-Filter", "passed:filtered-slow");
        // 400 refused before any filter's request phase: still through the global stage's response phase
        given().header("X-Test-Outer", "1").urlEncodingEnabled(false).get("/filtered/a%2Fb").then().statusCode(400)
                .header("X-Test-Outer", "seen:400");
    }

    @Test
    void aPreflightIsRoutedByTheMethodItAsksAboutOnlyToAFilterThatAnswersPreflightsAndIsNeverForwarded() {
        TestUpstream single = PipelineTestResource.upstream("c");
        int before = single.requests.get();
        // the route takes GET only, and its filter answers preflights: routed there, and that filter may answer
        given().header("Origin", "https://app.example.com").header("Access-Control-Request-Method", "GET")
                .header("X-Test-Filter", "stop").options("/filtered-preflight/x")
                .then().statusCode(403).body("error", equalTo("stopped_by_filter"));
        // should it not answer after all: the 405 any OPTIONS gets there, after the route's filters, not the upstream
        given().header("Origin", "https://app.example.com").header("Access-Control-Request-Method", "GET")
                .options("/filtered-preflight/x")
                .then().statusCode(405).body("error", equalTo("method_not_allowed")).header("Allow", "GET")
                .header("X-Test-Filter", "passed:filtered-preflight");
        // a method the route does not take: not routed
        given().header("Origin", "https://app.example.com").header("Access-Control-Request-Method", "PUT")
                .header("X-Test-Filter", "stop").options("/filtered-preflight/x")
                .then().statusCode(405).header("X-Test-Filter", nullValue());
        // a route whose filters do not answer preflights: not routed, its filters never see the OPTIONS
        given().header("Origin", "https://app.example.com").header("Access-Control-Request-Method", "GET")
                .header("X-Test-Filter", "stop").options("/filtered-get/x")
                .then().statusCode(405).header("Allow", "GET").header("X-Test-Filter", nullValue());
        assertEquals(before, single.requests.get(), "no OPTIONS reached the upstream");
        given().get("/filtered-preflight/x").then().statusCode(200);
        assertEquals(before + 1, single.requests.get());
    }

    @Test
    void aGatewayMadeFailureCanBeReplacedByAFiltersOwnAnswer() {
        given().header("X-Test-Replace-Failure", "true").header("X-Test-Outer", "1").get("/filtered-dead")
                .then().statusCode(200)
                .body(equalTo("served by the filter instead of upstream_unavailable"))
                .header("X-Test-Outer", "seen:200");
    }

    @Test
    void anUpstreamRequestEditReachesTheUpstreamOnEveryAttempt() {
        TestUpstream a = PipelineTestResource.upstream("a");
        TestUpstream b = PipelineTestResource.upstream("b");
        a.attempts.clear();
        b.attempts.clear();
        // both targets answer 503: the first attempt goes to one, the retry to the other
        given().get("/filtered-retry/status/503").then().statusCode(503);
        List<String> seen = new java.util.ArrayList<>(a.attempts);
        seen.addAll(b.attempts);
        seen.sort(null);
        assertEquals(List.of("1", "2"), seen, "each attempt carried the header, numbered");
        assertEquals(1, a.attempts.size(), "one attempt per target");
    }

    @Test
    void aBodyTransformedAsItStreamsArrivesWhole() {
        given().header("X-Test-Body", "upper").get("/filtered/chunked").then().statusCode(200)
                .body(equalTo("PART-1-PART-2"));
        // a body with a Content-Length: the transform's length differs, so the header must go
        String body = given().header("X-Test-Body", "upper").get("/filtered/download?bytes=200000").then()
                .statusCode(200).header("Content-Length", nullValue()).extract().asString();
        assertEquals(200000, body.length());
        assertEquals(body.toUpperCase(), body);
    }

    @Test
    void aBodyReadWholeIsReplacedAndOneOverTheBoundStreamsThroughUntouched() {
        given().header("X-Test-Body", "whole:100000").get("/filtered/download?bytes=50000").then().statusCode(200)
                .header("X-Test-Whole", "read")
                .header("Content-Length", "11")
                .body(equalTo("whole:50000"));
        byte[] big = given().header("X-Test-Body", "whole:100000").get("/filtered/download?bytes=300000").then()
                .statusCode(200).header("X-Test-Whole", nullValue()).extract().asByteArray();
        byte[] direct = given().get("/plain/download?bytes=300000").then().statusCode(200).extract().asByteArray();
        assertEquals(300000, big.length);
        assertTrue(java.util.Arrays.equals(direct, big), "over the bound, the body passes untouched");
    }

    @Test
    void aFilterBufferingTheBodyDoesNotTripTheBodyIdleTimeoutWhileTheUpstreamKeepsSending() {
        // 6 chunks 100 ms apart on a route with a 300 ms timeout: the client gets nothing for 600 ms (the filter
        // holds the body), but the upstream never pauses for 300 ms, so nothing times out
        given().header("X-Test-Body", "whole:100000").get("/filtered-short/trickle?chunks=6&every=100").then()
                .statusCode(200).body(equalTo("whole:" + "chunk-1;chunk-2;chunk-3;chunk-4;chunk-5;chunk-6;".length()));
        // an upstream that does stall mid-body is still cut off, and as the head has not gone out, the client gets
        // a clean 502 rather than a cut connection
        given().header("X-Test-Body", "whole:100000").get("/filtered-short/stall").then().statusCode(502)
                .body("error", equalTo("upstream_failed"));
    }

    @Test
    void asyncWaitsInEveryPhaseResumeOnTheRequestsEventLoop() {
        // every phase of the route filter waits on a future completed by a plain Java thread
        given().header("X-Test-Async", "true").header("X-Test-Outer", "1").get("/filtered/echo/async")
                .then().statusCode(200)
                .header("X-Test-Threads", startsWith("one:"))
                .header("X-Test-Filter", "passed:filtered")
                .body("headers.x-test-attempt", equalTo("1"));
        given().header("X-Test-Async", "true").header("X-Test-Filter", "stop").get("/filtered/echo/async")
                .then().statusCode(403).header("X-Test-Threads", startsWith("one:"));
    }

    @Test
    void completionRunsExactlyOnceForASuccessAClientThatLeftAndAnUpstreamThatBrokeOff() throws Exception {
        String ok = id();
        given().header("X-Request-ID", ok).get("/filtered/echo/done").then().statusCode(200);
        eventually(() -> TestFilters.completions.containsKey(ok), "completion of the success");

        TestUpstream c = PipelineTestResource.upstream("c");
        String left = id();
        try (Socket socket = new Socket("127.0.0.1", RestAssured.port)) {
            OutputStream out = socket.getOutputStream();
            out.write(("GET /filtered/hold HTTP/1.1\r\nHost: x\r\nX-Request-ID: " + left + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            eventually(() -> c.held() > 0, "the request is held at the upstream");
        }
        eventually(() -> TestFilters.completions.containsKey(left), "completion of the request whose client left");
        c.release();

        String broken = id();
        try {
            given().header("X-Request-ID", broken).get("/filtered/truncate").asByteArray();
        } catch (Exception expected) {
            // the client sees the response cut off, never completed
        }
        eventually(() -> TestFilters.completions.containsKey(broken), "completion of the broken-off response");

        Thread.sleep(300); // anything that would run completion twice has had time to
        assertEquals(1, TestFilters.completions.get(ok).get());
        assertEquals(Exchange.Outcome.COMPLETED, TestFilters.outcomes.get(ok));
        assertEquals(1, TestFilters.completions.get(left).get());
        assertEquals(Exchange.Outcome.CLIENT_LEFT, TestFilters.outcomes.get(left));
        assertEquals(1, TestFilters.completions.get(broken).get());
        assertEquals(Exchange.Outcome.UPSTREAM_BROKE_OFF, TestFilters.outcomes.get(broken));
    }

    @Test
    void aFiltersStateSurvivesAReloadThatLeavesItsConfigAlone() throws Exception {
        String before = given().get("/filtered/echo/x").then().statusCode(200).extract().header("X-Test-Instance");
        PipelineTestResource.publish(PipelineTestResource.config(
                "  - {id: added-by-reload, path: /added/**, upstream: single, strip-prefix: /added}\n"));
        eventually(() -> given().get("/added/echo/x").statusCode() == 200, "the reload is live");
        given().get("/filtered/echo/x").then().statusCode(200).header("X-Test-Instance", before);
        // a route whose own config changed gets a new instance
        String retryBefore = given().get("/filtered-retry/echo/x").then().extract().header("X-Test-Instance");
        PipelineTestResource.publish(PipelineTestResource.config(
                "  - {id: added-by-reload, path: /added/**, upstream: single, strip-prefix: /added}\n")
                .replace("strip-prefix: /filtered-retry}", "strip-prefix: /filtered-retry, timeout: 9s}"));
        eventually(() -> !retryBefore.equals(given().get("/filtered-retry/echo/x").header("X-Test-Instance")),
                "the changed route got a new filter");
        given().get("/filtered/echo/x").then().statusCode(200).header("X-Test-Instance", before);
    }

    private static String id() {
        return UUID.randomUUID().toString();
    }
}
