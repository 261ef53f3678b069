package io.gatehouse.edge;

import io.gatehouse.testing.GatewayProcess;
import io.gatehouse.testing.RawHttp;
import io.gatehouse.testing.TempDirs;
import io.gatehouse.testing.TestUpstream;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code server.proxy-protocol: true} on the packaged gateway (a listener setting): PROXY v1 and v2 headers give the
 * client's address (the upstream gets it in X-Forwarded-For, the IP rules judge it), and a connection without one
 * is closed unserved.
 */
class ProxyProtocolIT {
    private static Vertx vertx;
    private static TestUpstream upstream;
    private static GatewayProcess gw;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        upstream = TestUpstream.start(vertx, "behind-lb");
        Path config = TempDirs.file("gatehouse-proxy-protocol", "gatehouse.yaml");
        Files.writeString(config, """
                server:
                  proxy-protocol: true
                  ip-rules: {deny: [198.51.100.0/24]}
                upstreams:
                  app: {targets: [{url: %s}]}
                routes:
                  - {id: all, path: /**, upstream: app}
                """.formatted(upstream.url()));
        gw = GatewayProcess.start("proxy-protocol", config).awaitReady(Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
        upstream.close();
        vertx.close();
    }

    /** A GET behind this preface, read until the gateway closes. */
    private static String exchange(byte[] preface) throws Exception {
        return raw(new String(preface, StandardCharsets.ISO_8859_1)
                + "GET /who HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    }

    /** Sends these bytes whole and reads until the gateway closes (every case here ends with a close). */
    private static String raw(String bytes) throws Exception {
        return RawHttp.untilClosed(gw.port(), bytes);
    }

    private static byte[] v2(byte[] source, int sourcePort) {
        ByteBuffer b = ByteBuffer.allocate(16 + 12);
        b.put(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        b.put((byte) 0x21); // version 2, PROXY
        b.put((byte) 0x11); // TCP over IPv4
        b.putShort((short) 12);
        b.put(source).put(new byte[] {127, 0, 0, 1});
        b.putShort((short) sourcePort).putShort((short) 8080);
        return b.array();
    }

    @Test
    void aV1HeaderGivesTheClientsAddress() throws Exception {
        String answer = exchange("PROXY TCP4 203.0.113.9 127.0.0.1 40000 8080\r\n".getBytes(StandardCharsets.US_ASCII));
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        assertTrue(answer.contains("\"x-forwarded-for\":\"203.0.113.9\""), answer);
    }

    @Test
    void aV2HeaderGivesTheClientsAddressAndTheIpRulesJudgeIt() throws Exception {
        String answer = exchange(v2(new byte[] {(byte) 203, 0, 113, 10}, 40001));
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        assertTrue(answer.contains("\"x-forwarded-for\":\"203.0.113.10\""), answer);
        String denied = exchange(v2(new byte[] {(byte) 198, 51, 100, 7}, 40002));
        assertTrue(denied.startsWith("HTTP/1.1 403"), denied);
    }

    /**
     * Behind a PROXY header, with h2c on (the default), Vert.x builds the HTTP pipeline only once the header is read:
     * the strict decoder must still be the one that reads the request (a lenient chunk-size line, a second Host).
     */
    @Test
    void behindAProxyHeaderRequestsAreReadAsStrictlyAsWithout() throws Exception {
        String preface = "PROXY TCP4 203.0.113.11 127.0.0.1 40003 8080\r\n";
        String lenientSize = raw(preface + "POST /who HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                + " 5\r\nhello\r\n0\r\n\r\n");
        assertTrue(lenientSize.startsWith("HTTP/1.1 400"), lenientSize);
        String twoHosts = raw(preface + "GET /who HTTP/1.1\r\nHost: localhost\r\nHost: elsewhere\r\n\r\n");
        assertTrue(twoHosts.startsWith("HTTP/1.1 400"), twoHosts);
        assertTrue(twoHosts.contains("more than one Host header"), twoHosts);
        String fine = raw(preface + "POST /who HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
                + "Connection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        assertTrue(fine.startsWith("HTTP/1.1 200"), fine);
    }

    @Test
    void aConnectionWithoutAHeaderIsClosedUnserved() throws Exception {
        assertEquals("", exchange(new byte[0]), "closed without a byte of answer");
    }
}
