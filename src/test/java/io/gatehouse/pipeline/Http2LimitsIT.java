package io.gatehouse.pipeline;

import io.gatehouse.testing.GatewayProcess;
import io.gatehouse.testing.RawH2;
import io.gatehouse.testing.TempDirs;
import io.gatehouse.testing.TestUpstream;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code server.http2} against the packaged gateway, driven frame by frame by a raw HTTP/2 client: the stream limit,
 * the header-list limit and the rapid-reset flood (CVE-2023-44487), each set low so a test reaches it quickly.
 */
class Http2LimitsIT {
    static Vertx vertx;
    static TestUpstream echo;
    static GatewayProcess gw;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        echo = TestUpstream.start(vertx, "echo");
        Path config = TempDirs.file("gatehouse-h2-limits", "gatehouse.yaml");
        Files.writeString(config, """
                upstreams:
                  echo: {targets: [{url: %s}]}
                routes:
                  - {id: echo, path: /**, upstream: echo}
                server:
                  http2:
                    max-concurrent-streams: 3
                    max-header-list-size: 4KB
                    max-resets-per-window: 20
                    reset-window: 30s
                """.formatted(echo.url()));
        gw = GatewayProcess.start("h2-limits", config).awaitReady(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
        if (echo != null) {
            echo.close();
        }
        if (vertx != null) {
            vertx.close();
        }
    }

    @Test
    void theLimitsAreAdvertisedInTheGatewaysSettings() throws Exception {
        try (RawH2 h2 = RawH2.connect(gw.port())) {
            h2.get(1, "/echo/settings", "x-test", "1");
            assertEquals(Map.of(1, 200), h2.answers(1));
            assertEquals(3L, h2.serverSettings.get(3), "SETTINGS_MAX_CONCURRENT_STREAMS");
            assertEquals(4096L, h2.serverSettings.get(6), "SETTINGS_MAX_HEADER_LIST_SIZE");
        }
    }

    @Test
    void aStreamBeyondTheLimitIsRefusedAndTheOthersGoOn() throws Exception {
        try (RawH2 h2 = RawH2.connect(gw.port())) {
            h2.awaitSettings();
            // three streams held open (their request bodies never end), then a fourth
            h2.open(1, "/hold/1");
            h2.open(3, "/hold/3");
            h2.open(5, "/hold/5");
            h2.get(7, "/echo/fourth", "x-test", "1");
            assertEquals(Map.of(7, -7), h2.answers(7), "REFUSED_STREAM (7) for the stream over the limit");
            h2.reset(1); // one ends: a new stream fits again
            h2.get(9, "/echo/fits", "x-test", "1");
            assertEquals(200, h2.answers(9).get(9));
        }
    }

    @Test
    void aHeaderListOverTheLimitIsRefusedAndTheConnectionStaysUsable() throws Exception {
        try (RawH2 h2 = RawH2.connect(gw.port())) {
            // over 4 KB, under the 5 KB (limit + 25 %) at which Netty gives up on the whole connection
            h2.awaitSettings();
            h2.get(1, "/echo/big", "x-big", "v".repeat(4500));
            int status = h2.answers(1).get(1);
            assertTrue(status == 431 || status < 0, "refused (431 or a reset), not served: " + status);
            h2.get(3, "/echo/small", "x-small", "v");
            assertEquals(200, h2.answers(3).get(3));
        }
    }

    @Test
    void aRapidResetFloodIsCutOffWithGoawayWhileOthersAreServed() throws Exception {
        try (RawH2 h2 = RawH2.connect(gw.port())) {
            for (int stream = 1; stream < 2 * 60; stream += 2) { // 60 HEADERS + RST_STREAM pairs, over the 20 allowed
                h2.get(stream, "/echo/flood", "x-test", "1");
                h2.reset(stream);
            }
            assertEquals(11, h2.untilGoaway(), "GOAWAY with ENHANCE_YOUR_CALM");
        }
        try (RawH2 other = RawH2.connect(gw.port())) {
            other.get(1, "/echo/after", "x-test", "1");
            assertEquals(Map.of(1, 200), other.answers(1));
        }
    }
}
