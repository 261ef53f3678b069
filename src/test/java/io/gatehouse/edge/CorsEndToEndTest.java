package io.gatehouse.edge;

import io.gatehouse.testing.CorsTestResource;
import io.gatehouse.testing.Ports;
import io.gatehouse.testing.RawHttp;
import io.gatehouse.testing.Scrape;
import io.gatehouse.testing.TestUpstream;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CORS and response headers set on the server, through the packaged pipeline with a real upstream: preflights
 * answered at the gateway (never forwarded, before authentication, on routes that do not take OPTIONS), actual
 * answers of every kind (proxied, 401, 403, 404, 405, 400, 502) with the CORS fields for allowed origins only,
 * {@code Vary} merged, the upstream's leaks removed, routes narrowing the server's settings, and the security preset.
 */
@QuarkusTest
@QuarkusTestResource(value = CorsTestResource.class, restrictToAnnotatedClass = true)
class CorsEndToEndTest {
    private static final String APP = "https://app.example.com";

    static RawHttp.Response sendFrom(String from, String method, String target, String... headers) throws Exception {
        List<String> head = new ArrayList<>(List.of(method + " " + target + " HTTP/1.1", "Host: localhost"));
        head.addAll(List.of(headers));
        return RawHttp.sendFrom(from, Ports.traffic(), head, null);
    }

    static RawHttp.Response send(String method, String target, String... headers) throws Exception {
        return sendFrom("127.0.0.1", method, target, headers);
    }

    static List<String> all(RawHttp.Response response, String name) {
        return response.headers().stream().filter(h -> h[0].equalsIgnoreCase(name)).map(h -> h[1]).toList();
    }

    static List<String> corsFields(RawHttp.Response response) {
        return response.headers().stream().map(h -> h[0]).filter(n -> n.toLowerCase().startsWith("access-control-")).toList();
    }

    private static TestUpstream echo() {
        return CorsTestResource.echo();
    }

    private static double preflights(String route, String outcome) {
        return Scrape.value("gatehouse_cors_preflights_total{outcome=\"" + outcome + "\",route=\"" + route + "\"}");
    }

    @Test
    void aPreflightOnARouteWithoutOptionsIsAnsweredHereAndNeverReachesTheUpstream() throws Exception {
        int before = echo().requests.get();
        double allowedBefore = preflights("read-write", "allowed");
        RawHttp.Response preflight = send("OPTIONS", "/rw/items/7", "Origin: " + APP,
                "Access-Control-Request-Method: PUT", "Access-Control-Request-Headers: content-type,x-custom");
        assertEquals(204, preflight.status(), preflight.statusLine());
        assertEquals(APP, preflight.header("Access-Control-Allow-Origin"));
        assertEquals("true", preflight.header("Access-Control-Allow-Credentials"));
        assertEquals("GET, PUT", preflight.header("Access-Control-Allow-Methods"), "the route's methods");
        assertEquals("Content-Type, X-Custom", preflight.header("Access-Control-Allow-Headers"));
        assertEquals("600", preflight.header("Access-Control-Max-Age"));
        assertEquals(List.of("Origin"), all(preflight, "Vary"));
        assertEquals("gatehouse", preflight.header("X-Gateway"), "response headers on a preflight's answer too");
        assertEquals("", preflight.body());
        assertNull(preflight.header("Content-Length"), "a 204 has no body to measure (RFC 9110 §8.6)");
        assertEquals(before, echo().requests.get(), "the upstream never saw the preflight");
        assertEquals(allowedBefore + 1, preflights("read-write", "allowed"));

        RawHttp.Response put = send("PUT", "/rw/items/7", "Origin: " + APP, "Content-Type: application/json",
                "X-Custom: 1", "Content-Length: 0");
        assertEquals(200, put.status());
        assertEquals("PUT", put.json().getString("method"));
        assertEquals(APP, put.header("Access-Control-Allow-Origin"));
        assertEquals(before + 1, echo().requests.get(), "the actual request went up, once");

        // an OPTIONS that is no preflight gets what it always got on a route without OPTIONS
        RawHttp.Response options = send("OPTIONS", "/rw/items/7", "Origin: " + APP);
        assertEquals(405, options.status());
        assertEquals("GET, PUT", options.header("Allow"));
        assertEquals(before + 1, echo().requests.get());
    }

    @Test
    void overHttp2TooPreflightsAreAnsweredAndAnswersCarryTheFields() throws Exception {
        java.net.http.HttpClient h2 = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_2).build();
        String base = "http://127.0.0.1:" + Ports.traffic();
        // the first request upgrades the connection (h2c); the next ones are HTTP/2 streams
        java.net.http.HttpResponse<String> first = h2.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(base + "/rw/with-headers?Server=nginx&Vary=Accept-Encoding")).header("Origin", APP).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, first.statusCode());
        java.net.http.HttpResponse<String> actual = h2.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(base + "/rw/with-headers?Server=nginx&Vary=Accept-Encoding")).header("Origin", APP).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(java.net.http.HttpClient.Version.HTTP_2, actual.version());
        assertEquals(List.of(APP), actual.headers().allValues("access-control-allow-origin"));
        assertEquals(List.of("Accept-Encoding, Origin"), actual.headers().allValues("vary"));
        assertEquals(List.of(), actual.headers().allValues("server"));
        assertEquals(List.of("gatehouse"), actual.headers().allValues("x-gateway"));
        int before = echo().requests.get();
        java.net.http.HttpResponse<String> preflight = h2.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(base + "/rw/x")).method("OPTIONS", java.net.http.HttpRequest.BodyPublishers.noBody())
                .header("Origin", APP).header("Access-Control-Request-Method", "PUT").build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(java.net.http.HttpClient.Version.HTTP_2, preflight.version());
        assertEquals(204, preflight.statusCode());
        assertEquals(List.of(APP), preflight.headers().allValues("access-control-allow-origin"));
        assertEquals(List.of("GET, PUT"), preflight.headers().allValues("access-control-allow-methods"));
        assertEquals(before, echo().requests.get());
    }

    @Test
    void aPreflightOnAnAuthenticatedRouteNeedsNoCredentialsButTheActualRequestDoes() throws Exception {
        int before = echo().requests.get();
        RawHttp.Response preflight = send("OPTIONS", "/private/orders", "Origin: https://shop.example.org",
                "Access-Control-Request-Method: POST", "Access-Control-Request-Headers: Content-Type");
        assertEquals(204, preflight.status(), preflight.body());
        assertEquals("https://shop.example.org", preflight.header("Access-Control-Allow-Origin"));
        assertNull(preflight.header("WWW-Authenticate"));
        assertEquals(before, echo().requests.get());

        RawHttp.Response refused = send("GET", "/private/orders", "Origin: https://shop.example.org");
        assertEquals(401, refused.status());
        assertEquals("https://shop.example.org", refused.header("Access-Control-Allow-Origin"),
                "a script may read why it was refused");
        assertEquals("true", refused.header("Access-Control-Allow-Credentials"));
        assertEquals("X-Request-ID", refused.header("Access-Control-Expose-Headers"));
        assertEquals(200, send("GET", "/private/orders", "Origin: https://shop.example.org",
                "X-API-Key: " + CorsTestResource.KEY).status());
    }

    @Test
    void aRefusedPreflightIsAnsweredWithoutTheAllowFieldsAndNotForwarded() throws Exception {
        int before = echo().requests.get();
        double refusedBefore = preflights("read-write", "refused");
        for (String[] asked : List.of(
                new String[] {"https://evil.example.com", "PUT", "content-type"},
                new String[] {"https://evil-example.org", "GET", "content-type"},
                new String[] {"https://example.org", "GET", "content-type"},
                new String[] {"null", "GET", "content-type"},
                new String[] {APP, "PUT", "content-type,x-other"})) {
            RawHttp.Response answer = send("OPTIONS", "/rw/x", "Origin: " + asked[0],
                    "Access-Control-Request-Method: " + asked[1], "Access-Control-Request-Headers: " + asked[2]);
            assertEquals(204, answer.status(), String.join(" ", asked));
            assertEquals(List.of(), corsFields(answer), String.join(" ", asked));
            assertEquals(List.of("Origin"), all(answer, "Vary"));
        }
        assertEquals(refusedBefore + 5, preflights("read-write", "refused"));
        // the public route's own policy allows any origin, but GET only
        RawHttp.Response put = send("OPTIONS", "/public/x", "Origin: " + APP, "Access-Control-Request-Method: PUT");
        assertEquals(204, put.status());
        assertEquals(List.of(), corsFields(put));
        RawHttp.Response get = send("OPTIONS", "/public/x", "Origin: " + APP, "Access-Control-Request-Method: GET",
                "Access-Control-Request-Headers: x-anything");
        assertEquals("*", get.header("Access-Control-Allow-Origin"));
        assertEquals("x-anything", get.header("Access-Control-Allow-Headers"), "headers: any, echoed");
        assertEquals(List.of("Access-Control-Request-Headers"), all(get, "Vary"),
                "the same answer for every origin, but the headers asked for are echoed");
        assertEquals(before, echo().requests.get(), "no preflight went upstream");
    }

    @Test
    void aPreflightIsJudgedByTheRouteTheRealRequestWouldReachNotByTheCatchAllTheOptionsMatches() throws Exception {
        int before = echo().requests.get();
        // /api/** (every method, the server's permissive policy) sits over /api/admin/** (POST, DELETE, its own
        // policy for one origin) and /api/locked/** (DELETE, cors: false): OPTIONS itself matches only /api/**
        RawHttp.Response admin = send("OPTIONS", "/api/admin/users", "Origin: " + APP, "Access-Control-Request-Method: DELETE");
        assertEquals(204, admin.status());
        assertEquals(List.of(), corsFields(admin), "the admin route's policy does not allow " + APP);
        RawHttp.Response adminOrigin = send("OPTIONS", "/api/admin/users", "Origin: https://admin.example.com",
                "Access-Control-Request-Method: DELETE");
        assertEquals("https://admin.example.com", adminOrigin.header("Access-Control-Allow-Origin"));
        RawHttp.Response locked = send("OPTIONS", "/api/locked/x", "Origin: " + APP, "Access-Control-Request-Method: DELETE");
        assertEquals(405, locked.status(), "cors: false on the route that would serve the DELETE");
        // (a preflight needs a 2xx: the 405 fails it in the browser, whatever fields the server's policy puts on the
        // error itself, as on any gateway error)
        RawHttp.Response api = send("OPTIONS", "/api/other", "Origin: " + APP, "Access-Control-Request-Method: DELETE");
        assertEquals(APP, api.header("Access-Control-Allow-Origin"), "the catch-all's own paths: its policy");
        assertEquals(before, echo().requests.get(), "no preflight went upstream");
        // and the real requests are still served by their routes
        assertEquals(200, send("DELETE", "/api/locked/x").status());
    }

    @Test
    void aPreflightOnARouteWithoutAPolicyIsTreatedAsAnyOtherOptions() throws Exception {
        int before = echo().requests.get();
        RawHttp.Response plain = send("OPTIONS", "/plain/x", "Origin: " + APP, "Access-Control-Request-Method: GET");
        assertEquals(405, plain.status(), "cors: false on a GET-only route: the 405 it always got");
        assertEquals("GET", plain.header("Allow"));
        assertEquals(APP, plain.header("Access-Control-Allow-Origin"), "a 405 no route made: the server's fields");
        // a method the route does not take either: 405, not routed
        assertEquals(405, send("OPTIONS", "/rw/x", "Origin: " + APP, "Access-Control-Request-Method: DELETE").status());
        assertEquals(before, echo().requests.get());
        // a route that takes OPTIONS and has no policy forwards it: the upstream answers its own preflights
        RawHttp.Response forwarded = send("OPTIONS", "/options/x", "Origin: " + APP, "Access-Control-Request-Method: GET");
        assertEquals(200, forwarded.status());
        assertEquals("OPTIONS", forwarded.json().getString("method"));
        assertEquals(before + 1, echo().requests.get());
    }

    @Test
    void actualAnswersCarryTheFieldsForAllowedOriginsOnlyAndReplaceTheUpstreams() throws Exception {
        String upstreamSaysCors = "/rw/with-headers?Access-Control-Allow-Origin=*&Access-Control-Allow-Credentials=false"
                + "&Access-Control-Allow-Methods=DELETE";
        for (String origin : List.of(APP, "https://api.example.org", "https://a.b.example.org")) {
            RawHttp.Response ok = send("GET", upstreamSaysCors, "Origin: " + origin);
            assertEquals(200, ok.status());
            assertEquals(List.of(origin), all(ok, "Access-Control-Allow-Origin"), "echoed, the upstream's replaced");
            assertEquals(List.of("true"), all(ok, "Access-Control-Allow-Credentials"));
            assertEquals("X-Request-ID", ok.header("Access-Control-Expose-Headers"));
            assertNull(ok.header("Access-Control-Allow-Methods"));
            assertEquals(List.of("Origin"), all(ok, "Vary"));
        }
        for (String origin : List.of("https://evil-example.org", "https://example.org", "http://app.example.com", "null")) {
            RawHttp.Response other = send("GET", upstreamSaysCors, "Origin: " + origin);
            assertEquals(200, other.status(), "CORS never refuses the request itself: the browser does");
            assertEquals(List.of(), corsFields(other), origin);
            assertEquals(List.of("Origin"), all(other, "Vary"));
        }
        RawHttp.Response noOrigin = send("GET", upstreamSaysCors);
        assertEquals(List.of(), corsFields(noOrigin));
        assertEquals(List.of("Origin"), all(noOrigin, "Vary"), "a cache must not give this answer to an origin");

        RawHttp.Response any = send("GET", "/public/x", "Origin: https://whoever.example");
        assertEquals("*", any.header("Access-Control-Allow-Origin"));
        assertEquals("X-Instance", any.header("Access-Control-Expose-Headers"));
        assertNull(any.header("Access-Control-Allow-Credentials"));
        assertNull(any.header("Vary"));
        RawHttp.Response off = send("GET", "/plain/with-headers?Access-Control-Allow-Origin=*", "Origin: " + APP);
        assertEquals(List.of("*"), all(off, "Access-Control-Allow-Origin"), "cors: false: the upstream's word stands");
        assertNull(off.header("Vary"));
    }

    @Test
    void varyIsMergedWithTheUpstreamsNeverDuplicated() throws Exception {
        assertEquals(List.of("Accept-Encoding, Origin"),
                all(send("GET", "/rw/with-headers?Vary=Accept-Encoding", "Origin: " + APP), "Vary"));
        assertEquals(List.of("origin"), all(send("GET", "/rw/with-headers?Vary=origin", "Origin: " + APP), "Vary"));
        assertEquals(List.of("Accept-Language, Origin"),
                all(send("GET", "/rw/with-headers?Vary=Accept-Language,%20Origin", "Origin: " + APP), "Vary"));
        assertEquals(List.of("*"), all(send("GET", "/rw/with-headers?Vary=*", "Origin: " + APP), "Vary"));
    }

    @Test
    void everyKindOfAnswerCarriesTheHeaders() throws Exception {
        Map<String, RawHttp.Response> answers = new java.util.LinkedHashMap<>();
        answers.put("proxied 200", send("GET", "/rw/with-headers?Server=nginx/1.25&X-Powered-By=PHP/8.3", "Origin: " + APP));
        answers.put("404 no_route", send("GET", "/nowhere", "Origin: " + APP));
        answers.put("405", send("DELETE", "/rw/x", "Origin: " + APP));
        answers.put("401", send("GET", "/private/x", "Origin: " + APP));
        answers.put("403 route ip-rules", send("GET", "/guarded/x", "Origin: " + APP));
        answers.put("400 bad_path", send("GET", "/rw/a%2Fb", "Origin: " + APP));
        answers.put("502", send("GET", "/down/x", "Origin: " + APP));
        Map<String, Integer> statuses = Map.of("proxied 200", 200, "404 no_route", 404, "405", 405, "401", 401,
                "403 route ip-rules", 403, "400 bad_path", 400, "502", 502);
        answers.forEach((what, answer) -> {
            assertEquals(statuses.get(what), answer.status(), what + ": " + answer.body());
            assertEquals(APP, answer.header("Access-Control-Allow-Origin"), what);
            assertEquals("true", answer.header("Access-Control-Allow-Credentials"), what);
            assertEquals(List.of("Origin"), all(answer, "Vary"), what);
            assertEquals("gatehouse", answer.header("X-Gateway"), what);
            assertNull(answer.header("Server"), what);
            assertNull(answer.header("X-Powered-By"), what);
            assertTrue(answer.header("X-Request-ID") != null, what);
        });
        RawHttp.Response down = answers.get("502");
        assertEquals("nosniff", down.header("X-Content-Type-Options"), "the preset on a gateway error");
        assertEquals("DENY", down.header("X-Frame-Options"));
        assertNull(answers.get("proxied 200").header("X-Content-Type-Options"), "the preset only where it is on");
        assertEquals("echo", answers.get("proxied 200").header("X-Instance"), "what is not removed passes");
    }

    @Test
    void aRouteNarrowsTheServersHeadersAndTheSecurityPresetFillsInWhatTheAnswerLacks() throws Exception {
        RawHttp.Response r = send("GET", "/public/with-headers?X-Debug=on&Server=nginx&X-Frame-Options=SAMEORIGIN"
                + "&X-Gateway=upstream");
        assertEquals(200, r.status());
        assertEquals(List.of("public-route"), all(r, "X-Gateway"), "the route's add wins over the server's and the upstream's");
        assertEquals("no-store", r.header("Cache-Control"));
        assertNull(r.header("X-Debug"), "the route's remove");
        assertNull(r.header("Server"), "and the server's still");
        assertEquals(List.of("SAMEORIGIN"), all(r, "X-Frame-Options"), "the upstream's own choice is kept");
        assertEquals("nosniff", r.header("X-Content-Type-Options"));
        assertEquals("strict-origin-when-cross-origin", r.header("Referrer-Policy"));
        assertNull(r.header("Strict-Transport-Security"), "never over plain HTTP");

        RawHttp.Response viaTls = sendFrom(CorsTestResource.PROXY, "GET", "/public/x", "X-Forwarded-Proto: https");
        assertEquals("max-age=31536000; includeSubDomains", viaTls.header("Strict-Transport-Security"),
                "TLS ended at a trusted proxy in front");
        assertEquals("DENY", viaTls.header("X-Frame-Options"));
        RawHttp.Response claimed = sendFrom("127.0.0.3", "GET", "/public/x", "X-Forwarded-Proto: https");
        assertNull(claimed.header("Strict-Transport-Security"), "anyone else's X-Forwarded-Proto is only a claim");
        RawHttp.Response unrouted = sendFrom(CorsTestResource.PROXY, "GET", "/nowhere", "X-Forwarded-Proto: https");
        assertNull(unrouted.header("Strict-Transport-Security"), "the preset is the route's, not the server's");
    }
}
