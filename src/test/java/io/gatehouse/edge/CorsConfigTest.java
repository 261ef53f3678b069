package io.gatehouse.edge;

import io.gatehouse.config.ConfigException;
import io.gatehouse.config.ConfigParser;
import io.gatehouse.config.GatehouseConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code server.cors} and a route's {@code cors}: read and normalised as written, refused with their key paths. */
class CorsConfigTest {
    private static final String UPSTREAMS = """
            upstreams:
              u: {targets: [{url: http://127.0.0.1:1}]}
            """;

    static GatehouseConfig parse(String yaml) throws ConfigException {
        return ConfigParser.parse("test", yaml, List.of(new CorsConfigExtension(), new ResponseHeadersConfigExtension()));
    }

    /** Every problem of a config that must be refused, one per line. */
    static String problems(String yaml) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml));
        return String.join("\n", e.problems());
    }

    @Test
    void theServerPolicyAndARoutesOwnAreReadAndNormalised() throws Exception {
        GatehouseConfig c = parse("""
                server:
                  cors:
                    origins: ["HTTPS://App.Example.com:443", "https://*.Example.org", "http://localhost:3000", "http://*.localhost:8080"]
                    methods: [get, PUT]
                    headers: [Content-Type, X-Custom]
                    expose-headers: [X-Request-ID]
                    credentials: true
                    max-age: 10m
                """ + UPSTREAMS + """
                routes:
                  - {id: inherits, path: /a/**, upstream: u}
                  - {id: own, path: /b/**, upstream: u, cors: {origins: ["*"], max-age: 600}}
                  - {id: off, path: /c/**, upstream: u, cors: false}
                  - {id: said, path: /d/**, upstream: u, cors: true}
                """);
        CorsConfig server = CorsConfigExtension.server(c);
        assertEquals(List.of("https://app.example.com", "https://*.example.org", "http://localhost:3000",
                "http://*.localhost:8080"), server.origins());
        assertEquals(List.of("GET", "PUT"), server.methods());
        assertEquals(List.of("Content-Type", "X-Custom"), server.headers());
        assertEquals(List.of("X-Request-ID"), server.exposeHeaders());
        assertTrue(server.credentials());
        assertEquals(600, server.maxAgeSeconds());

        assertEquals(server, CorsConfigExtension.effective(c.routes().get(0), server));
        CorsConfig own = CorsConfigExtension.effective(c.routes().get(1), server);
        assertEquals(List.of("*"), own.origins());
        assertEquals(List.of(), own.methods(), "absent: the route's own methods");
        assertEquals(List.of("*"), own.headers(), "absent: whatever a preflight asks for");
        assertFalse(own.credentials());
        assertEquals(600, own.maxAgeSeconds());
        assertNull(CorsConfigExtension.effective(c.routes().get(2), server), "cors: false");
        assertEquals(server, CorsConfigExtension.effective(c.routes().get(3), server), "cors: true");
    }

    @Test
    void withoutAServerPolicyARouteWithoutCorsHasNone() throws Exception {
        GatehouseConfig c = parse(UPSTREAMS + "routes: [{id: r, path: /r/**, upstream: u}]\n");
        assertNull(CorsConfigExtension.effective(c.routes().get(0), CorsConfigExtension.server(c)));
    }

    @Test
    void credentialsWithTheAnyOriginAreRefused() {
        String all = problems("""
                server:
                  cors: {origins: ["*"], credentials: true, expose-headers: ["*"]}
                """ + UPSTREAMS + "routes: [{id: r, path: /r/**, upstream: u, cors: {origins: ['*'], credentials: true}}]\n");
        assertTrue(all.contains("server.cors.credentials: true with origins [\"*\"]"), all);
        assertTrue(all.contains("server.cors.expose-headers: [\"*\"] with credentials"), all);
        assertTrue(all.contains("routes[0].cors.credentials: true with origins [\"*\"]"), all);
    }

    @Test
    void plainHttpOriginsWithCredentialsAreRefusedButLocalhostWhileDeveloping() throws Exception {
        String all = problems("""
                server:
                  cors: {origins: ["http://app.example.com", "https://ok.example.com"], credentials: true}
                """ + UPSTREAMS + "routes: [{id: r, path: /r/**, upstream: u}]\n");
        assertTrue(all.contains("server.cors.origins: 'http://app.example.com' is plain http with credentials"), all);
        assertTrue(!all.contains("ok.example.com"), all);
        assertTrue(problems("""
                server:
                  cors: {origins: ["http://127.evil.com"], credentials: true}
                """ + UPSTREAMS + "routes: [{id: r, path: /r/**, upstream: u}]\n").contains("is plain http with credentials"),
                "a name starting with 127. is not a loopback address");
        parse("""
                server:
                  cors: {origins: ["http://localhost:3000", "http://*.localhost:8080", "http://127.0.0.1:5173"], credentials: true}
                """ + UPSTREAMS + "routes: [{id: r, path: /r/**, upstream: u}]\n");
        // without credentials, a plain-http origin reads only what any page may
        parse("""
                server:
                  cors: {origins: ["http://app.example.com"]}
                """ + UPSTREAMS + "routes: [{id: r, path: /r/**, upstream: u}]\n");
    }

    @Test
    void badOriginsAreRefusedEachWithItsIndex() {
        String all = problems("""
                server:
                  cors:
                    origins:
                      - https://app.example.com/
                      - app.example.com
                      - "null"
                      - https://*.com
                      - https://app.*.example.com
                      - https://*example.com
                      - https://app.example.com:99999
                      - https://app.example.com
                      - HTTPS://APP.EXAMPLE.COM
                      - "*"
                """ + UPSTREAMS + "routes: [{id: r, path: /r/**, upstream: u}]\n");
        for (String expected : List.of(
                "server.cors.origins[0]: 'https://app.example.com/' is not an origin: an origin has no path (https://app.example.com)",
                "server.cors.origins[1]: 'app.example.com' is not an origin",
                "server.cors.origins[2]: 'null' is the origin of sandboxed frames",
                "server.cors.origins[3]: 'https://*.com' would allow every site under .com",
                "server.cors.origins[4]: 'https://app.*.example.com': a wildcard stands for subdomains only",
                "server.cors.origins[5]: 'https://*example.com': a wildcard stands for subdomains only",
                "server.cors.origins[6]: 'https://app.example.com:99999' is not an origin",
                "server.cors.origins[8]: 'HTTPS://APP.EXAMPLE.COM' is listed twice",
                "server.cors.origins[9]: '*' allows every origin: list it alone")) {
            assertTrue(all.contains(expected), expected + "\nin\n" + all);
        }
        assertFalse(all.contains("origins[7]"), all);
    }

    @Test
    void badMethodsHeadersMaxAgeAndKeysAreRefusedWithTheirPaths() {
        String all = problems("""
                server:
                  cors: {origins: [https://a.example.com], methods: ["GET POST", "PUT,PATCH", GET], headers: ["X Custom"],
                         expose-headers: ["X-Ok", "Bad:Name"], max-age: -5, allow-origins: [x]}
                """ + UPSTREAMS + """
                routes:
                  - {id: a, path: /a/**, upstream: u, cors: {origins: [https://a.example.com], max-age: -1s, methods: []}}
                  - {id: b, path: /b/**, upstream: u, cors: yes}
                  - {id: c, path: /c/**, upstream: u, cors: {methods: [GET]}}
                  - {id: d, path: /d/**, upstream: u, cors: {origins: [https://a.example.com], max-age: 1500ms, credentials: maybe}}
                """);
        for (String expected : List.of(
                "server.cors.allow-origins: unknown key",
                "server.cors.methods[0]: 'GET POST' is not a method",
                "server.cors.methods[1]: 'PUT,PATCH' is not a method",
                "server.cors.headers[0]: 'X Custom' is not a header name",
                "server.cors.expose-headers[1]: 'Bad:Name' is not a header name",
                "server.cors.max-age: '-5' is negative",
                "routes[0].cors.max-age: '-1s' is negative",
                "routes[0].cors.methods: lists no method",
                "routes[1].cors: must be a policy",
                "routes[2].cors.origins: required",
                "routes[3].cors.max-age: '1500ms': browsers take whole seconds",
                "routes[3].cors.credentials: 'maybe' must be true or false")) {
            assertTrue(all.contains(expected), expected + "\nin\n" + all);
        }
        assertFalse(all.contains("methods[2]"), "GET is a fine method: " + all);
    }

    @Test
    void corsTrueOnARouteNeedsTheServerPolicy() {
        String all = problems(UPSTREAMS + "routes: [{id: r, path: /r/**, upstream: u, cors: true}]\n");
        assertTrue(all.contains("routes[0].cors: true means server.cors, which is not set"), all);
    }

    @Test
    void withoutTheFeatureTheServerKeysAreNotAvailableYet() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parse("test", """
                server:
                  cors: {origins: ["*"]}
                  response-headers: {remove: [Server]}
                """ + UPSTREAMS + "routes: [{id: r, path: /r/**, upstream: u}]\n"));
        String all = String.join("\n", e.problems());
        assertTrue(all.contains("server.cors: is not available in this version of Gatehouse yet"), all);
        assertTrue(all.contains("server.response-headers: is not available in this version of Gatehouse yet"), all);
    }
}
