package io.gatehouse.edge;

import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.pipeline.LocalReply;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A compiled policy's decisions: which preflights it allows, the fields of an actual answer, {@code Vary} merging;
 * and what each feature puts on a route's chain (nothing on a route that has no settings).
 */
class CorsTest {
    private static final CorsConfig POLICY = new CorsConfig(List.of("https://app.example.com", "https://*.example.org"),
            List.of(), List.of("Content-Type", "X-Custom"), List.of("X-Request-ID", "RateLimit"), true, 600);

    @Test
    void aPreflightIsAllowedForAnAllowedOriginMethodAndHeaders() {
        Cors cors = Cors.of(POLICY, Set.of("GET", "PUT", "OPTIONS"));
        assertTrue(cors.allowsPreflight("https://app.example.com", "PUT", null));
        assertTrue(cors.allowsPreflight("https://app.example.com", "PUT", "content-type,x-custom"));
        assertTrue(cors.allowsPreflight("https://api.example.org", "GET", " Content-Type , X-CUSTOM "));
        assertFalse(cors.allowsPreflight("https://evil.example.com", "PUT", null), "origin");
        assertFalse(cors.allowsPreflight(null, "PUT", null), "no origin");
        assertFalse(cors.allowsPreflight("https://app.example.com", "DELETE", null), "not one of the route's methods");
        assertFalse(cors.allowsPreflight("https://app.example.com", "OPTIONS", null), "never what a preflight asks about");
        assertFalse(cors.allowsPreflight("https://app.example.com", "put", null), "methods are case-sensitive");
        assertFalse(cors.allowsPreflight("https://app.example.com", "PUT", "content-type,x-other"), "a header");
        assertFalse(cors.allowsPreflight("https://app.example.com", "PUT", "x-custom;x"), "not a token");
        assertFalse(cors.allowsPreflight("https://app.example.com", null, null));

        Cors any = Cors.of(new CorsConfig(List.of("*"), List.of("*"), List.of("*"), List.of(), false, -1), Set.of());
        assertTrue(any.allowsPreflight("null", "PURGE", "x-anything, x-else"));
        assertFalse(any.allowsPreflight("https://a.example", "PUR GE", null), "still a token");
        assertFalse(any.allowsPreflight("https://a.example", "GET", "x-a, b\"c"), "still tokens");
    }

    @Test
    void aRouteThatTakesEveryMethodAllowsTheUsualOnesUnlessThePolicyNamesThem() {
        Cors everyMethod = Cors.of(POLICY, Set.of());
        for (String method : List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")) {
            assertTrue(everyMethod.allowsPreflight("https://app.example.com", method, null), method);
        }
        assertFalse(everyMethod.allowsPreflight("https://app.example.com", "TRACE", null));
        Cors named = Cors.of(new CorsConfig(POLICY.origins(), List.of("GET"), List.of(), List.of(), false, -1), Set.of("GET", "PUT"));
        assertFalse(named.allowsPreflight("https://app.example.com", "PUT", null));
        assertFalse(named.allowsPreflight("https://app.example.com", "GET", "x-custom"), "headers: [] allows none");
        // GET, HEAD and POST are never checked against the allowed methods by browsers: not by the gateway either
        Cors putOnly = Cors.of(new CorsConfig(POLICY.origins(), List.of("PUT"), List.of("X-Custom"), List.of(), false, -1),
                Set.of("GET", "PUT"));
        assertTrue(putOnly.allowsPreflight("https://app.example.com", "GET", "x-custom"));
        assertTrue(putOnly.allowsPreflight("https://app.example.com", "POST", null));
        assertFalse(putOnly.allowsPreflight("https://app.example.com", "DELETE", null));
    }

    @Test
    void anActualAnswerGetsTheFieldsForAnAllowedOriginOnlyAndVaryAlways() {
        Cors cors = Cors.of(POLICY, Set.of());
        MultiMap allowed = MultiMap.caseInsensitiveMultiMap()
                .add("Access-Control-Allow-Origin", "*").add("Access-Control-Allow-Methods", "GET")
                .add("access-control-max-age", "99999");
        assertTrue(cors.answer("https://app.example.com", allowed));
        assertEquals("https://app.example.com", allowed.get("Access-Control-Allow-Origin"), "echoed, the upstream's gone");
        assertEquals(1, allowed.getAll("Access-Control-Allow-Origin").size());
        assertEquals("true", allowed.get("Access-Control-Allow-Credentials"));
        assertEquals("X-Request-ID, RateLimit", allowed.get("Access-Control-Expose-Headers"));
        assertNull(allowed.get("Access-Control-Allow-Methods"), "the upstream's CORS fields are replaced");
        assertNull(allowed.get("Access-Control-Max-Age"));
        assertEquals("Origin", allowed.get("Vary"));

        MultiMap refused = MultiMap.caseInsensitiveMultiMap().add("Access-Control-Allow-Origin", "https://evil.example");
        assertFalse(cors.answer("https://evil.example", refused));
        assertNull(refused.get("Access-Control-Allow-Origin"));
        assertNull(refused.get("Access-Control-Allow-Credentials"));
        assertEquals("Origin", refused.get("Vary"));

        MultiMap none = MultiMap.caseInsensitiveMultiMap();
        assertTrue(cors.answer(null, none));
        assertEquals(List.of("Vary"), List.copyOf(none.names()), "no origin: only Vary, for caches");

        Cors any = Cors.of(new CorsConfig(List.of("*"), List.of(), List.of("*"), List.of("X-Instance"), false, -1), Set.of());
        MultiMap star = MultiMap.caseInsensitiveMultiMap();
        assertTrue(any.answer("https://whoever.example", star));
        assertEquals("*", star.get("Access-Control-Allow-Origin"));
        assertEquals("X-Instance", star.get("Access-Control-Expose-Headers"));
        assertNull(star.get("Vary"), "the same answer for every origin");
        assertNull(star.get("Access-Control-Allow-Credentials"));
    }

    @Test
    void varyIsMergedNeverDuplicatedAndLeftAloneBesideAStar() {
        AsciiString origin = AsciiString.cached("Origin");
        MultiMap one = MultiMap.caseInsensitiveMultiMap().add("Vary", "Accept-Encoding");
        Cors.vary(one, origin);
        assertEquals(List.of("Accept-Encoding, Origin"), one.getAll("Vary"));
        MultiMap two = MultiMap.caseInsensitiveMultiMap().add("Vary", "Accept-Encoding").add("vary", " Accept-Language ");
        Cors.vary(two, origin);
        assertEquals(List.of("Accept-Encoding, Accept-Language, Origin"), two.getAll("Vary"));
        MultiMap already = MultiMap.caseInsensitiveMultiMap().add("Vary", "accept-encoding,origin");
        Cors.vary(already, origin);
        assertEquals(List.of("accept-encoding,origin"), already.getAll("Vary"));
        MultiMap star = MultiMap.caseInsensitiveMultiMap().add("Vary", "*");
        Cors.vary(star, origin);
        assertEquals(List.of("*"), star.getAll("Vary"));
        MultiMap lookAlike = MultiMap.caseInsensitiveMultiMap().add("Vary", "X-Origin-Id");
        Cors.vary(lookAlike, origin);
        assertEquals(List.of("X-Origin-Id, Origin"), lookAlike.getAll("Vary"));
    }

    @Test
    void aPreflightAnswerCarriesTheAllowFieldsOnlyWhenAllowed() {
        Cors cors = Cors.of(POLICY, Set.of("GET", "PUT"));
        LocalReply allowed = cors.preflight(true, "https://app.example.com", "PUT", "x-custom");
        assertEquals(204, allowed.status());
        assertEquals("https://app.example.com", allowed.header("Access-Control-Allow-Origin"));
        assertEquals("true", allowed.header("Access-Control-Allow-Credentials"));
        assertNotNull(allowed.header("Access-Control-Allow-Methods"));
        LocalReply refused = cors.preflight(false, "https://app.example.com", "PUT", "x-custom");
        assertEquals(204, refused.status());
        assertNull(refused.header("Access-Control-Allow-Origin"));
        assertNull(refused.header("Access-Control-Allow-Methods"));
        assertEquals("Origin", refused.header("Vary"));
        Cors echo = Cors.of(new CorsConfig(List.of("https://app.example.com"), List.of("*"), List.of("*"), List.of(), false, 0),
                Set.of());
        assertTrue(echo.allowsPreflight("https://app.example.com", "PROPFIND", "x-a"));
        assertTrue(echo.dependsOnOrigin());
        assertFalse(Cors.of(new CorsConfig(List.of("*"), List.of(), List.of("*"), List.of(), false, -1), Set.of()).dependsOnOrigin());
    }

    @Test
    void aRouteWithoutSettingsGetsNoFilterFromEitherFeature() throws Exception {
        GatehouseConfig routesOnly = CorsConfigTest.parse("""
                upstreams:
                  u: {targets: [{url: http://127.0.0.1:1}]}
                routes:
                  - {id: cors, path: /a/**, upstream: u, cors: {origins: [https://app.example.com]}}
                  - {id: headers, path: /b/**, upstream: u, security-headers: true}
                  - {id: plain, path: /c/**, upstream: u}
                  - {id: off, path: /d/**, upstream: u, cors: false, security-headers: false}
                """);
        ResponseHeadersFeature.Filters answers = new ResponseHeadersFeature().build(routesOnly, null);
        CorsFeature.Filters preflights = new CorsFeature(new SimpleMeterRegistry()).build(routesOnly, null);
        assertNull(answers.global(), "no server settings: no filter in the global stage, which every route would pay for");
        assertNotNull(answers.forRoute(routesOnly.routes().get(0)));
        assertNotNull(answers.forRoute(routesOnly.routes().get(1)));
        assertNull(answers.forRoute(routesOnly.routes().get(2)));
        assertNull(answers.forRoute(routesOnly.routes().get(3)));
        assertNull(preflights.global());
        assertNotNull(preflights.forRoute(routesOnly.routes().get(0)));
        for (int i = 1; i < 4; i++) {
            assertNull(preflights.forRoute(routesOnly.routes().get(i)), routesOnly.routes().get(i).id());
        }
        assertEquals(Set.of(io.gatehouse.pipeline.GatewayFilter.Phase.RESPONSE),
                answers.forRoute(routesOnly.routes().get(0)).phases(), "the response phase only");
        assertEquals(Set.of(io.gatehouse.pipeline.GatewayFilter.Phase.REQUEST),
                preflights.forRoute(routesOnly.routes().get(0)).phases(), "the request phase only");

        GatehouseConfig withServer = CorsConfigTest.parse("""
                server:
                  response-headers: {remove: [Server]}
                upstreams:
                  u: {targets: [{url: http://127.0.0.1:1}]}
                routes:
                  - {id: plain, path: /c/**, upstream: u}
                """);
        ResponseHeadersFeature.Filters global = new ResponseHeadersFeature().build(withServer, null);
        assertNotNull(global.global(), "server settings: one filter for every answer, routed or not");
        assertEquals(Set.of(io.gatehouse.pipeline.GatewayFilter.Phase.RESPONSE), global.global().phases());
        assertNull(global.forRoute(withServer.routes().get(0)), "and none of its own on the routes");
    }
}
