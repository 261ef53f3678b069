package io.gatehouse.edge;

import io.gatehouse.testing.EdgeTestResource;
import io.gatehouse.testing.Ports;
import io.gatehouse.testing.RawHttp;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** IP rules, the per-address connection limit and each per-route request limit, from several loopback addresses. */
@QuarkusTest
@QuarkusTestResource(value = EdgeTestResource.class, restrictToAnnotatedClass = true)
class EdgeEndToEndTest {

    private static RawHttp.Response get(String from, String target, String... headers) throws Exception {
        List<String> head = new ArrayList<>(List.of("GET " + target + " HTTP/1.1", "Host: localhost"));
        head.addAll(List.of(headers));
        return RawHttp.sendFrom(from, Ports.traffic(), head, null);
    }

    private static RawHttp.Response post(String target, String contentType, byte[] body, String... headers) throws Exception {
        List<String> head = new ArrayList<>(List.of("POST " + target + " HTTP/1.1", "Host: localhost",
                "Content-Type: " + contentType));
        head.addAll(List.of(headers));
        if (List.of(headers).stream().noneMatch(h -> h.startsWith("Transfer-Encoding"))) {
            head.add("Content-Length: " + body.length);
        }
        return RawHttp.send(Ports.traffic(), head, body);
    }

    @Test
    void aDeniedAddressIsRefusedWith403BeforeAnythingElseAndOthersPass() throws Exception {
        RawHttp.Response denied = get("127.0.0.5", "/anything");
        assertEquals(403, denied.status());
        assertEquals("forbidden", denied.json().getString("error"));
        assertTrue(denied.json().getString("message").contains("this gateway"), denied.body());
        assertEquals(403, get("127.0.0.5", "/private/x").status(), "before the route is even looked at");
        assertEquals(200, get("127.0.0.6", "/anything").status());
    }

    @Test
    void aRouteNarrowsTheGlobalRules() throws Exception {
        assertEquals(200, get("127.0.0.1", "/private/x").status());
        RawHttp.Response outside = get("127.0.0.3", "/private/x");
        assertEquals(403, outside.status());
        assertTrue(outside.json().getString("message").contains("this route"), outside.body());
        assertEquals(403, get("127.0.0.2", "/private/x").status(), "deny wins over allow");
        assertEquals(200, get("127.0.0.3", "/elsewhere").status());
    }

    @Test
    void eachPerRouteLimitHasItsStatus() throws Exception {
        assertEquals(200, post("/limited/x", "application/json", "{\"a\":1}".getBytes()).status());
        assertEquals(200, post("/limited/x", "text/plain; charset=utf-8", "hello".getBytes()).status());
        // two Content-Types: checked by one, read by the upstream perhaps by the other
        assertEquals(400, post("/limited/x", "application/json", "{}".getBytes(), "Content-Type: application/xml").status());
        RawHttp.Response type = post("/limited/x", "application/xml", "<a/>".getBytes());
        assertEquals(415, type.status());
        assertEquals("unsupported_media_type", type.json().getString("error"));
        RawHttp.Response large = post("/limited/x", "application/json", "{\"a\":\"0123456789abcdef\"}".getBytes());
        assertEquals(413, large.status());
        assertEquals("body_too_large", large.json().getString("error"));
        // a chunked body is counted as it streams: no Content-Length to refuse it by
        byte[] chunked = "5\r\n{\"a\":\r\n13\r\n\"0123456789abcdef\"}\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals(413, post("/limited/x", "application/json", chunked, "Transfer-Encoding: chunked").status());
        RawHttp.Response url = get("127.0.0.1", "/limited/" + "x".repeat(80));
        assertEquals(414, url.status());
        assertEquals("uri_too_long", url.json().getString("error"));
        RawHttp.Response headers = get("127.0.0.1", "/limited/x", "X-Big: " + "y".repeat(2100));
        assertEquals(431, headers.status());
        assertEquals("headers_too_large", headers.json().getString("error"));
        // the same requests on a route without limits pass
        assertEquals(200, get("127.0.0.1", "/open/" + "x".repeat(80), "X-Big: " + "y".repeat(2100)).status());
    }

    @Test
    void aSixthConnectionFromOneAddressIsClosedUnservedWhileOtherAddressesConnect() throws Exception {
        InetAddress gateway = InetAddress.getByName("127.0.0.1");
        List<Socket> open = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                Socket s = new Socket(gateway, Ports.traffic(), InetAddress.getByName("127.0.0.7"), 0);
                open.add(s);
                // served, and kept open (keep-alive)
                s.getOutputStream().write("GET /a HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                s.setSoTimeout(10_000);
                assertTrue(new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200"));
            }
            double refusedBefore = io.gatehouse.testing.Scrape.value(io.gatehouse.testing.Scrape.metrics(),
                    "gatehouse_connections_refused_total{reason=\"per-ip-limit\"}");
            try (Socket sixth = new Socket(gateway, Ports.traffic(), InetAddress.getByName("127.0.0.7"), 0)) {
                sixth.setSoTimeout(10_000);
                InputStream in = sixth.getInputStream();
                try {
                    sixth.getOutputStream().write("GET /a HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    assertEquals(-1, in.read(), "closed, its request not served");
                } catch (java.net.SocketException reset) {
                    // closed before our write arrived: a reset is as good an answer
                }
            }
            assertEquals(refusedBefore + 1, io.gatehouse.testing.Scrape.value(io.gatehouse.testing.Scrape.metrics(),
                    "gatehouse_connections_refused_total{reason=\"per-ip-limit\"}"), "counted");
            assertEquals(200, get("127.0.0.8", "/a").status(), "another address is not affected");
        } finally {
            for (Socket s : open) {
                s.close();
            }
        }
        // the two closed: the address may connect again
        long deadline = System.nanoTime() + 5_000_000_000L;
        int status = 0;
        while (status != 200 && System.nanoTime() < deadline) {
            try {
                status = get("127.0.0.7", "/a").status();
            } catch (java.io.IOException closedStill) {
                Thread.sleep(50);
            }
        }
        assertEquals(200, status);
    }
}
