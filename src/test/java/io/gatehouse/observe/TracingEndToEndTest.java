package io.gatehouse.observe;

import io.gatehouse.testing.AccessLogFile;
import io.gatehouse.testing.OtlpReceiver;
import io.gatehouse.testing.Ports;
import io.gatehouse.testing.RawHttp;
import io.gatehouse.testing.TracingTestResource;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spans as a real OTLP receiver gets them from the running gateway: one server span per request with the HTTP
 * semantic conventions, children for the filters' steps and each attempt upstream, and the trace context the
 * upstream receives.
 */
@QuarkusTest
@QuarkusTestResource(value = TracingTestResource.class, restrictToAnnotatedClass = true)
class TracingEndToEndTest {
    private static final String PARENT_SPAN = "00f067aa0ba902b7";

    private static OtlpReceiver receiver() {
        return TracingTestResource.receiver;
    }

    private static String hex(com.google.protobuf.ByteString bytes) {
        return OtlpReceiver.hex(bytes.toByteArray());
    }

    private static Optional<Object> attribute(Span span, String key) {
        for (KeyValue kv : span.getAttributesList()) {
            if (kv.getKey().equals(key)) {
                var v = kv.getValue();
                return Optional.of(v.hasIntValue() ? (Object) v.getIntValue() : v.getStringValue());
            }
        }
        return Optional.empty();
    }

    private static Object attr(Span span, String key) {
        return attribute(span, key).orElseThrow(() -> new AssertionError(span.getName() + " has no " + key + ": "
                + span.getAttributesList()));
    }

    private static String newTraceId() {
        return java.util.HexFormat.of().formatHex(java.nio.ByteBuffer.allocate(16)
                .putLong(System.nanoTime()).putLong(java.util.concurrent.ThreadLocalRandom.current().nextLong()).array());
    }

    private static List<Span> of(List<Span> spans, Span.SpanKind kind) {
        return spans.stream().filter(s -> s.getKind() == kind).toList();
    }

    @Test
    void aProxiedRequestContinuesTheClientsTraceWithOneServerSpanAndAClientSpanWhoseContextTheUpstreamGets()
            throws Exception {
        String trace = newTraceId();
        Response r = given().header("traceparent", "00-" + trace + "-" + PARENT_SPAN + "-01")
                .header("tracestate", "vendor=client").header("User-Agent", "trace-test/1").get("/t/42");
        assertEquals(200, r.statusCode());
        List<Span> spans = receiver().await(trace, 1, s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER);
        spans = receiver().await(trace, 1, s -> s.getKind() == Span.SpanKind.SPAN_KIND_CLIENT);
        List<Span> servers = of(spans, Span.SpanKind.SPAN_KIND_SERVER);
        assertEquals(1, servers.size(), "exactly one server span (Vert.x' own tracer stays out): " + spans);
        Span server = servers.get(0);
        assertEquals("GET /t/{id}", server.getName());
        assertEquals(PARENT_SPAN, hex(server.getParentSpanId()), "continued from the client's traceparent");
        assertEquals("GET", attr(server, "http.request.method"));
        assertEquals("/t/42", attr(server, "url.path"));
        assertEquals("http", attr(server, "url.scheme"));
        assertEquals("/t/{id}", attr(server, "http.route"));
        assertEquals(200L, attr(server, "http.response.status_code"));
        assertEquals("localhost", attr(server, "server.address"));
        assertEquals((long) Ports.traffic(), attr(server, "server.port"));
        assertEquals("127.0.0.1", attr(server, "client.address"));
        assertEquals("trace-test/1", attr(server, "user_agent.original"));
        assertEquals(r.header("X-Request-ID"), attr(server, "gatehouse.request_id"));
        assertFalse(attribute(server, "error.type").isPresent());
        assertNotEquals(Status.StatusCode.STATUS_CODE_ERROR, server.getStatus().getCode());

        List<Span> clients = of(spans, Span.SpanKind.SPAN_KIND_CLIENT);
        assertEquals(1, clients.size(), spans.toString());
        Span attempt = clients.get(0);
        assertEquals(hex(server.getSpanId()), hex(attempt.getParentSpanId()));
        assertEquals("GET", attempt.getName());
        assertEquals(1L, attr(attempt, "gatehouse.attempt"));
        assertEquals("echo", attr(attempt, "gatehouse.upstream"));
        assertEquals(200L, attr(attempt, "http.response.status_code"));
        assertEquals(Ports.upstream("echo") + "/t/42", attr(attempt, "url.full"));
        // the upstream got the attempt's context, not the client's
        String sent = r.jsonPath().getString("headers.traceparent");
        assertEquals("00-" + trace + "-" + hex(attempt.getSpanId()) + "-01", sent);
        assertEquals("vendor=client", r.jsonPath().getString("headers.tracestate"), "tracestate continues");
        assertEquals(trace, AccessLogFile.line(r.header("X-Request-ID")).getString("trace_id"));
    }

    @Test
    void aTraceStartsHereWithoutATraceparentAndTheFiltersStepsAreChildSpans() throws Exception {
        Response r = given().header("X-API-Key", TracingTestResource.KEY).get("/k/item");
        assertEquals(200, r.statusCode());
        String sent = r.jsonPath().getString("headers.traceparent");
        assertTrue(sent != null && sent.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01"), "traceparent upstream: " + sent);
        String trace = sent.substring(3, 35);
        List<Span> spans = receiver().await(trace, 5, s -> true);
        Span server = of(spans, Span.SpanKind.SPAN_KIND_SERVER).get(0);
        assertTrue(server.getParentSpanId().isEmpty(), "a root span");
        for (String step : List.of("rate limit", "authenticate", "cache lookup")) {
            Span span = spans.stream().filter(s -> s.getName().equals(step)).findFirst()
                    .orElseThrow(() -> new AssertionError("no span " + step + " in " + spans));
            assertEquals(Span.SpanKind.SPAN_KIND_INTERNAL, span.getKind());
            assertEquals(hex(server.getSpanId()), hex(span.getParentSpanId()), step);
        }
        assertEquals(trace, AccessLogFile.line(r.header("X-Request-ID")).getString("trace_id"));

        // a refusal by a filter: its step says so, and a 4xx is not an error of the server span
        Response refused = given().get("/k/item");
        assertEquals(401, refused.statusCode());
        String refusedTrace = refused.jsonPath().getString("traceId");
        assertTrue(refusedTrace != null && refusedTrace.matches("[0-9a-f]{32}"), refused.asString());
        List<Span> refusedSpans = receiver().await(refusedTrace, 1, s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER);
        Span refusedServer = of(refusedSpans, Span.SpanKind.SPAN_KIND_SERVER).get(0);
        assertEquals(401L, attr(refusedServer, "http.response.status_code"));
        assertNotEquals(Status.StatusCode.STATUS_CODE_ERROR, refusedServer.getStatus().getCode());
        Span auth = refusedSpans.stream().filter(s -> s.getName().equals("authenticate")).findFirst().orElseThrow();
        assertEquals(401L, attr(auth, "gatehouse.reply.status_code"));
        assertTrue(of(refusedSpans, Span.SpanKind.SPAN_KIND_CLIENT).isEmpty(), "nothing went upstream");
    }

    @Test
    void eachAttemptHasItsOwnNumberedClientSpan() throws Exception {
        given().baseUri(Ports.upstream("busy")).port(-1).get("/control?fail=503").then().statusCode(200);
        for (int i = 0; i < 6; i++) {
            String trace = newTraceId();
            Response r = given().header("traceparent", "00-" + trace + "-" + PARENT_SPAN + "-01").get("/r/x");
            assertEquals(200, r.statusCode(), "the other target answers");
            List<Span> spans = receiver().await(trace, 1, s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER);
            List<Span> attempts = of(spans, Span.SpanKind.SPAN_KIND_CLIENT);
            if (attempts.size() < 2) {
                continue; // the balancer picked the good target first: try again
            }
            Span first = attempts.stream().filter(s -> attr(s, "gatehouse.attempt").equals(1L)).findFirst().orElseThrow();
            Span second = attempts.stream().filter(s -> attr(s, "gatehouse.attempt").equals(2L)).findFirst().orElseThrow();
            assertEquals(503L, attr(first, "http.response.status_code"));
            assertEquals("503", attr(first, "error.type"));
            assertEquals(Status.StatusCode.STATUS_CODE_ERROR, first.getStatus().getCode());
            assertEquals(1L, attr(second, "http.request.resend_count"));
            assertEquals(200L, attr(second, "http.response.status_code"));
            assertEquals(r.jsonPath().getString("headers.traceparent"),
                    "00-" + trace + "-" + hex(second.getSpanId()) + "-01", "the retry carries its own span's context");
            return;
        }
        throw new AssertionError("no request was retried in six");
    }

    @Test
    void aServerErrorMarksTheSpanAndItsBodyCarriesTheTraceId() throws Exception {
        Response r = given().get("/down/x");
        assertEquals(502, r.statusCode());
        String trace = r.jsonPath().getString("traceId");
        List<Span> spans = receiver().await(trace, 1, s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER);
        Span server = of(spans, Span.SpanKind.SPAN_KIND_SERVER).get(0);
        assertEquals(Status.StatusCode.STATUS_CODE_ERROR, server.getStatus().getCode());
        assertEquals(r.jsonPath().getString("error"), attr(server, "error.type"));
        assertEquals(502L, attr(server, "http.response.status_code"));
    }

    @Test
    void aTraceparentFromAPeerThatIsNotATrustedProxyStartsANewLinkedTrace() throws Exception {
        String forced = newTraceId();
        RawHttp.Response r = RawHttp.sendFrom("127.0.0.3", Ports.traffic(), List.of("GET /t/7 HTTP/1.1",
                "Host: localhost", "traceparent: 00-" + forced + "-" + PARENT_SPAN + "-01"), null);
        assertEquals(200, r.status());
        String sent = r.json().getJsonObject("headers").getString("traceparent");
        String trace = sent.substring(3, 35);
        assertNotEquals(forced, trace, "a new trace");
        List<Span> spans = receiver().await(trace, 1, s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER);
        Span server = of(spans, Span.SpanKind.SPAN_KIND_SERVER).get(0);
        assertTrue(server.getParentSpanId().isEmpty());
        assertEquals(1, server.getLinksCount());
        assertEquals(forced, hex(server.getLinks(0).getTraceId()), "linked to the client's");
    }

    @Test
    void aRequestRefusedBeforeRoutingHasItsSpanToo() throws Exception {
        String trace = newTraceId();
        RawHttp.Response r = RawHttp.send(Ports.traffic(), List.of("GET /t/a%2Fb HTTP/1.1", "Host: localhost",
                "traceparent: 00-" + trace + "-" + PARENT_SPAN + "-01"), null);
        assertEquals(400, r.status());
        List<Span> spans = receiver().await(trace, 1, s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER);
        assertEquals(400L, attr(of(spans, Span.SpanKind.SPAN_KIND_SERVER).get(0), "http.response.status_code"));
        assertEquals(trace, r.json().getString("traceId"));
        // without a traceparent: the trace starts with the exchange, so its id is in the body and the log already
        String id = "traced-refusal-" + System.nanoTime();
        RawHttp.Response fresh = RawHttp.send(Ports.traffic(), List.of("GET /t/a%2Fb HTTP/1.1", "Host: localhost",
                "X-Request-ID: " + id), null);
        String own = fresh.json().getString("traceId");
        assertEquals(400L, attr(of(receiver().await(own, 1, s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER),
                Span.SpanKind.SPAN_KIND_SERVER).get(0), "http.response.status_code"));
        assertEquals(own, AccessLogFile.line(id).getString("trace_id"));
    }
}
