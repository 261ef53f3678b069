package io.gatehouse.edge;

import io.gatehouse.config.GatehouseConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.gatehouse.edge.CorsConfigTest.parse;
import static io.gatehouse.edge.CorsConfigTest.problems;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code response-headers} and {@code security-headers}, on the server and on routes: read as written, merged per
 * route as the README says, and refused with their key paths when a config could break framing or inject headers.
 */
class ResponseHeadersConfigTest {
    private static final String UPSTREAMS = """
            upstreams:
              u: {targets: [{url: http://127.0.0.1:1}]}
            """;

    @Test
    void theServerAndRouteSettingsAreRead() throws Exception {
        GatehouseConfig c = parse("""
                server:
                  response-headers: {add: {X-Frame-Options: SAMEORIGIN, X-Version: 7}, remove: [Server, X-Powered-By]}
                  security-headers: true
                """ + UPSTREAMS + """
                routes:
                  - {id: a, path: /a/**, upstream: u, security-headers: false,
                     response-headers: {add: {Cache-Control: no-store}, remove: [x-powered-by, X-Debug]}}
                  - {id: b, path: /b/**, upstream: u}
                """);
        ResponseHeadersConfig server = ResponseHeadersConfigExtension.server(c);
        assertEquals(List.of(new ResponseHeadersConfig.Header("X-Frame-Options", "SAMEORIGIN"),
                new ResponseHeadersConfig.Header("X-Version", "7")), server.add());
        assertEquals(List.of("Server", "X-Powered-By"), server.remove());
        assertEquals(Boolean.TRUE, server.securityHeaders());
        ResponseHeadersConfig a = ResponseHeadersConfigExtension.of(c.routes().get(0));
        assertEquals(List.of(new ResponseHeadersConfig.Header("Cache-Control", "no-store")), a.add());
        assertEquals(List.of("x-powered-by", "X-Debug"), a.remove());
        assertEquals(Boolean.FALSE, a.securityHeaders());
        assertNull(ResponseHeadersConfigExtension.of(c.routes().get(1)));
    }

    @Test
    void aRoutesAddsWinItsRemovesJoinAndItsPresetChoiceOverridesTheServers() {
        ResponseHeadersConfig server = new ResponseHeadersConfig(List.of(
                new ResponseHeadersConfig.Header("X-Gateway", "server"),
                new ResponseHeadersConfig.Header("X-Dropped", "server")), List.of("Server", "X-Secret"), true);
        ResponseHeadersConfig route = new ResponseHeadersConfig(List.of(
                new ResponseHeadersConfig.Header("x-gateway", "route"),
                new ResponseHeadersConfig.Header("X-Secret", "shown"),
                new ResponseHeadersConfig.Header("X-Frame-Options", "SAMEORIGIN")), List.of("X-Dropped", "X-Powered-By"), null);
        assertEquals("remove [Server, X-Dropped, X-Powered-By], preset [X-Content-Type-Options, Referrer-Policy] + HSTS, "
                + "add [x-gateway, X-Secret, X-Frame-Options]", ResponseHeaders.of(server, route, null).toString());
        assertEquals("remove [Server, X-Secret], preset [X-Content-Type-Options, X-Frame-Options, Referrer-Policy] + HSTS, "
                + "add [X-Gateway, X-Dropped]", ResponseHeaders.of(server, null, null).toString(), "answers no route made");
        ResponseHeadersConfig off = new ResponseHeadersConfig(List.of(), List.of(), false);
        assertEquals("remove [Server, X-Secret], preset [], add [X-Gateway, X-Dropped]",
                ResponseHeaders.of(server, off, null).toString());
        ResponseHeadersConfig presetOnly = new ResponseHeadersConfig(List.of(), List.of("Strict-Transport-Security"), true);
        assertEquals("remove [Strict-Transport-Security], preset [X-Content-Type-Options, X-Frame-Options, Referrer-Policy], add []",
                ResponseHeaders.of(null, presetOnly, null).toString(), "a removed preset header is not added either");
        assertNull(ResponseHeaders.of(null, off, null), "nothing to do: no filter work at all");
        assertNull(ResponseHeaders.of(null, null, null));
    }

    @Test
    void framingAndGatewayHeadersAreRefusedWithTheirPaths() {
        String all = problems("""
                server:
                  response-headers:
                    add: {Content-Length: "0", Access-Control-Allow-Origin: "*", X-Request-ID: fixed}
                    remove: [Transfer-Encoding, Vary]
                """ + UPSTREAMS + """
                routes:
                  - id: r
                    path: /r/**
                    upstream: u
                    response-headers:
                      add: {Connection: close, Host: evil, "Bad Name": x, X-Inject: "a\\r\\nSet-Cookie: owned=1", X-Nul: "a\\0b",
                            X-Bell: "a\\ab", X-Ok: fine, x-ok: twice}
                      remove: [Upgrade, Keep-Alive, Content-Encoding, X-Ok, "Bad:Name"]
                      prepend: {X-A: b}
                    security-headers: sure
                """);
        for (String expected : List.of(
                "server.response-headers.add.Content-Length: 'Content-Length' frames the message",
                "server.response-headers.add.Access-Control-Allow-Origin: 'Access-Control-Allow-Origin' is CORS's: configure it with cors",
                "server.response-headers.add.X-Request-ID: 'X-Request-ID' is the gateway's own",
                "server.response-headers.remove[0]: 'Transfer-Encoding' frames the message",
                "server.response-headers.remove[1]: 'Vary' is the answer's own",
                "routes[0].response-headers.add.Connection: 'Connection' frames the message",
                "routes[0].response-headers.add.Host: 'Host' is hop-by-hop or a request header",
                "routes[0].response-headers.add.Bad Name: 'Bad Name' is not a header name",
                "routes[0].response-headers.add.X-Inject: a header value must not hold CR, LF or NUL",
                "routes[0].response-headers.add.X-Nul: a header value must not hold CR, LF or NUL",
                "routes[0].response-headers.add.X-Bell: a header value holds visible characters, spaces and tabs only (found U+0007)",
                "routes[0].response-headers.add.x-ok: is added twice",
                "routes[0].response-headers.remove[0]: 'Upgrade' frames the message",
                "routes[0].response-headers.remove[1]: 'Keep-Alive' frames the message",
                "routes[0].response-headers.remove[2]: 'Content-Encoding' frames the message",
                "routes[0].response-headers.remove[3]: 'X-Ok' is in add too",
                "routes[0].response-headers.remove[4]: 'Bad:Name' is not a header name",
                "routes[0].response-headers.prepend: unknown key",
                "routes[0].security-headers: 'sure' must be true or false")) {
            assertTrue(all.contains(expected), expected + "\nin\n" + all);
        }
        assertFalse(all.contains("add.X-Ok"), all);
    }
}
