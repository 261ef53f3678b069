package io.gatehouse.proxy;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeaderRulesTest {
    private static final String[] HOP_BY_HOP = {"Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer",
            "Transfer-Encoding", "Upgrade", "Proxy-Authenticate", "Proxy-Authorization"};

    private static MultiMap upstreamRequest(MultiMap client) {
        MultiMap out = HttpHeaders.headers();
        HeaderRules.forwardRequestHeaders(client, out, "203.0.113.9", false, "https", "api.example.com",
                "10.0.0.5:3001", "req-1");
        return out;
    }

    private static MultiMap clientResponse(MultiMap upstream) {
        MultiMap out = HttpHeaders.headers();
        HeaderRules.forwardResponseHeaders(upstream, out, "req-1");
        return out;
    }

    private static MultiMap withHopByHop() {
        MultiMap h = HttpHeaders.headers();
        h.add("Connection", "keep-alive, X-Private-Hop");
        h.add("Keep-Alive", "timeout=5");
        h.add("Proxy-Connection", "keep-alive");
        h.add("TE", "trailers");
        h.add("Trailer", "Expires");
        h.add("Transfer-Encoding", "chunked");
        h.add("Upgrade", "websocket");
        h.add("Proxy-Authenticate", "Basic");
        h.add("Proxy-Authorization", "Basic Zm9vOmJhcg==");
        h.add("x-private-hop", "secret");
        h.add("Accept", "application/json");
        h.add("Content-Type", "text/plain");
        return h;
    }

    @Test
    void hopByHopAndConnectionNamedHeadersAreNotForwardedUpstream() {
        MultiMap out = upstreamRequest(withHopByHop());
        for (String name : HOP_BY_HOP) {
            assertFalse(out.contains(name), name + " must not be forwarded: " + out);
        }
        assertFalse(out.contains("X-Private-Hop"), "named in Connection");
        assertEquals("application/json", out.get("Accept"));
        assertEquals("text/plain", out.get("Content-Type"));
    }

    @Test
    void hopByHopAndConnectionNamedHeadersAreNotForwardedToTheClient() {
        MultiMap upstream = withHopByHop();
        upstream.add("Set-Cookie", "a=1");
        upstream.add("Set-Cookie", "b=2");
        MultiMap out = clientResponse(upstream);
        for (String name : HOP_BY_HOP) {
            assertFalse(out.contains(name), name + " must not be forwarded: " + out);
        }
        assertFalse(out.contains("X-Private-Hop"));
        assertEquals("text/plain", out.get("Content-Type"));
        assertEquals(List.of("a=1", "b=2"), out.getAll("Set-Cookie"), "repeated headers keep every value");
        assertEquals("req-1", out.get("X-Request-ID"));
    }

    @Test
    void headersNamedInAnyConnectionLineAreDropped() {
        MultiMap client = HttpHeaders.headers();
        client.add("Connection", "keep-alive");
        client.add("Connection", "X-Second-Hop");
        client.add("X-Second-Hop", "secret");
        client.add("Accept", "*/*");
        MultiMap up = upstreamRequest(client);
        assertFalse(up.contains("X-Second-Hop"), "named in the second Connection line: " + up);
        assertEquals("*/*", up.get("Accept"));

        MultiMap upstream = HttpHeaders.headers();
        upstream.add("Connection", "close");
        upstream.add("Connection", "X-Second-Hop");
        upstream.add("X-Second-Hop", "secret");
        assertFalse(clientResponse(upstream).contains("X-Second-Hop"));
    }

    @Test
    void connectionTokensAreMatchedWhateverTheirCaseAndSpacing() {
        MultiMap client = HttpHeaders.headers();
        client.add("Connection", " Close ,x-ONE,  X-Two ");
        client.add("X-One", "1");
        client.add("x-two", "2");
        client.add("X-Three", "3");
        MultiMap out = upstreamRequest(client);
        assertFalse(out.contains("X-One"));
        assertFalse(out.contains("X-Two"));
        assertEquals("3", out.get("X-Three"));
    }

    @Test
    void identityHeadersFromTheClientAreRemoved() {
        MultiMap client = HttpHeaders.headers();
        client.add("X-User-ID", "admin");
        client.add("x-user-role", "admin");
        client.add("X-AUTHENTICATED", "true");
        client.add("X-User-Id", "root");
        client.add("X-User-Name", "kept");
        MultiMap out = upstreamRequest(client);
        assertNull(out.get("X-User-ID"));
        assertNull(out.get("X-User-Role"));
        assertNull(out.get("X-Authenticated"));
        assertEquals("kept", out.get("X-User-Name"), "only the identity headers are removed");
    }

    @Test
    void forwardedForAppendsTheClientIpToAnExistingChain() {
        MultiMap client = HttpHeaders.headers();
        client.add("X-Forwarded-For", "198.51.100.1, 198.51.100.2");
        client.add("X-Forwarded-For", "198.51.100.3");
        MultiMap out = upstreamRequest(client);
        assertEquals(List.of("198.51.100.1, 198.51.100.2, 198.51.100.3, 203.0.113.9"), out.getAll("X-Forwarded-For"));
    }

    @Test
    void forwardedForStartsWithTheClientIpWhenAbsent() {
        MultiMap out = upstreamRequest(HttpHeaders.headers());
        assertEquals(List.of("203.0.113.9"), out.getAll("X-Forwarded-For"));
    }

    @Test
    void forwardingHeadersAndRequestIdAreSetByTheGatewayNotTheClient() {
        MultiMap client = HttpHeaders.headers();
        client.add("X-Forwarded-Proto", "gopher");
        client.add("X-Forwarded-Host", "evil.example.com");
        client.add("X-Request-ID", "client-chosen");
        client.add("Host", "api.example.com");
        MultiMap out = upstreamRequest(client);
        assertEquals(List.of("https"), out.getAll("X-Forwarded-Proto"));
        assertEquals(List.of("api.example.com"), out.getAll("X-Forwarded-Host"));
        assertEquals(List.of("req-1"), out.getAll("X-Request-ID"));
        assertEquals(List.of("10.0.0.5:3001"), out.getAll("Host"), "Host is the given upstream host");
    }

    @Test
    void withoutAClientHostNoForwardedHostIsSent() {
        MultiMap client = HttpHeaders.headers();
        client.add("X-Forwarded-Host", "evil.example.com");
        MultiMap out = HttpHeaders.headers();
        HeaderRules.forwardRequestHeaders(client, out, "203.0.113.9", false, "http", null, "backend", "req-2");
        assertFalse(out.contains("X-Forwarded-Host"));
        assertEquals("http", out.get("X-Forwarded-Proto"));
        assertEquals("backend", out.get("Host"));
    }

    @Test
    void endToEndHeadersKeepEveryValueAndOrder() {
        MultiMap client = HttpHeaders.headers();
        client.add("Accept-Language", "de");
        client.add("Accept-Language", "en;q=0.5");
        client.add("Authorization", "Bearer abc");
        client.add("Cookie", "a=1");
        MultiMap out = upstreamRequest(client);
        assertEquals(List.of("de", "en;q=0.5"), out.getAll("Accept-Language"));
        assertEquals("Bearer abc", out.get("Authorization"));
        assertEquals("a=1", out.get("Cookie"));
    }

    @Test
    void hopByHopCheckIgnoresCaseAndNeedsTheWholeName() {
        assertTrue(HeaderRules.isHopByHop("TRANSFER-ENCODING"));
        assertTrue(HeaderRules.isHopByHop("te"));
        assertFalse(HeaderRules.isHopByHop("tx"));
        assertFalse(HeaderRules.isHopByHop("Upgrades"));
        assertFalse(HeaderRules.isHopByHop("Content-Length"));
    }

    private static MultiMap forwardingClaims() {
        MultiMap client = HttpHeaders.headers();
        client.add("Forwarded", "for=1.2.3.4;proto=https;host=evil.example.com");
        client.add("X-Forwarded-Port", "443");
        client.add("X-Forwarded-Prefix", "/admin");
        client.add("X-Real-IP", "1.2.3.4");
        client.add("X_Real_IP", "1.2.3.4");
        client.add("X-Forwarded-Proto", "https");
        client.add("X-Forwarded-Host", "evil.example.com");
        client.add("X-Original-URL", "/admin");
        client.add("X-Rewrite-URL", "/admin");
        client.add("X-Forwarded-For", "1.2.3.4");
        return client;
    }

    @Test
    void forwardingClaimsFromAnUntrustedPeerAreDroppedOrReplaced() {
        MultiMap out = HttpHeaders.headers();
        HeaderRules.forwardRequestHeaders(forwardingClaims(), out, "203.0.113.9", false, "http", "api.example.com",
                "backend", "req-3");
        for (String name : new String[] {"Forwarded", "X-Forwarded-Port", "X-Forwarded-Prefix", "X-Real-IP", "X_Real_IP",
                "X-Original-URL", "X-Rewrite-URL"}) {
            assertFalse(out.contains(name), name);
        }
        assertEquals("http", out.get("X-Forwarded-Proto"));
        assertEquals("api.example.com", out.get("X-Forwarded-Host"));
        assertEquals("1.2.3.4, 203.0.113.9", out.get("X-Forwarded-For"), "the chain is kept; the peer is appended");
    }

    @Test
    void aTrustedProxysForwardingHeadersAreKeptButNeverRoutingOverrides() {
        MultiMap out = HttpHeaders.headers();
        HeaderRules.forwardRequestHeaders(forwardingClaims(), out, "10.0.0.2", true, "http", "internal", "backend", "r");
        assertEquals("https", out.get("X-Forwarded-Proto"), "a TLS load balancer's https is kept");
        assertEquals("evil.example.com", out.get("X-Forwarded-Host"));
        assertEquals("443", out.get("X-Forwarded-Port"));
        assertEquals("for=1.2.3.4;proto=https;host=evil.example.com", out.get("Forwarded"));
        assertFalse(out.contains("X-Original-URL"));
        assertFalse(out.contains("X-Rewrite-URL"));
        assertEquals("1.2.3.4, 10.0.0.2", out.get("X-Forwarded-For"));
    }

    @Test
    void aConnectionHeaderWithThousandsOfTokensIsOneSet() {
        StringBuilder connection = new StringBuilder();
        for (int i = 0; i < 4500; i++) {
            connection.append(i == 0 ? "" : ",").append("b");
        }
        connection.append(",X-Named");
        assertEquals(java.util.Set.of("b", "x-named"), HeaderRules.connectionTokens(connection.toString()));
    }

    @Test
    void aContentLengthBesideTransferEncodingNeverGoesUpstream() {
        MultiMap client = HttpHeaders.headers();
        client.add("Transfer-Encoding", "chunked");
        client.add("content-length", "0");
        assertFalse(upstreamRequest(client).contains("Content-Length"));
    }
}
