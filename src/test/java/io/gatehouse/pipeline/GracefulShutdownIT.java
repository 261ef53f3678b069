package io.gatehouse.pipeline;

import io.gatehouse.testing.GatewayProcess;
import io.gatehouse.testing.RawH2;
import io.gatehouse.testing.RawHttp;
import io.gatehouse.testing.TempDirs;
import io.gatehouse.testing.TestUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGTERM to the packaged gateway, as Kubernetes stops a pod: what is in flight finishes, responses that start
 * during the shutdown delay or the drain arrive whole, over HTTP/1.1 and HTTP/2, and clients are told to go.
 * Every step waits on an event (a log line, the upstream holding a request), never on a fixed sleep, so a slow or
 * busy machine changes how long it takes, not whether it passes.
 */
class GracefulShutdownIT {
    private static final int DOWNLOAD = 1024 * 1024;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void sigtermLetsRequestsInFlightFinishAndEveryResponseDuringTheDrainArrivesWhole() throws Exception {
        Vertx vertx = Vertx.vertx();
        AtomicInteger goAways = new AtomicInteger();
        io.vertx.core.http.HttpClient h2 = vertx.httpClientBuilder()
                .with(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false))
                .withConnectHandler(connection -> connection.goAwayHandler(g -> goAways.incrementAndGet()))
                .build();
        try (TestUpstream upstream = TestUpstream.start(vertx, "slowpoke")) {
            Path config = TempDirs.file("gatehouse-drain", "gatehouse.yaml");
            Files.writeString(config, """
                    upstreams:
                      slowpoke: {targets: [{url: %s}], timeout: 60s}
                    routes:
                      - {id: all, path: /**, upstream: slowpoke}
                    """.formatted(upstream.url()));
            try (GatewayProcess gw = GatewayProcess.start("graceful-shutdown", config,
                    "-Dgatehouse.shutdown.delay=3s", "-Dgatehouse.shutdown.drain-timeout=60s")) {
                gw.awaitReady(WAIT);
                HttpClient http1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                CompletableFuture<HttpResponse<String>> held = http1.sendAsync(
                        HttpRequest.newBuilder(URI.create(gw.url("/hold"))).timeout(WAIT).build(),
                        HttpResponse.BodyHandlers.ofString());
                awaitHeld(upstream);
                // Before the shutdown: no GOAWAY on a working connection.
                assertDownloadWhole(h2, gw.port(), "before");
                assertEquals(0, goAways.get(), "GOAWAY before any shutdown");

                gw.terminate();
                gw.awaitOutput("shutting down: serving 3000 ms more, then draining 1 request(s)", WAIT);

                // During the delay: served, and told to go elsewhere next time.
                RawHttp.Response during = RawHttp.get(gw.port(), "/during");
                assertEquals(200, during.status(), during.body());
                assertEquals("close", during.header("Connection"));
                assertDownloadWhole(h2, gw.port(), "during the delay");
                assertH2cUpgradeServedWhole(gw, "/during-h2c");
                assertFalse(gw.output().contains("shutdown delay over"), "the requests above were meant for the delay:\n"
                        + gw.output());

                // During the drain (the delay is over, the held request keeps the port open): still served whole.
                gw.awaitOutput("shutdown delay over: draining", WAIT);
                RawHttp.Response draining = RawHttp.get(gw.port(), "/draining");
                assertEquals(200, draining.status(), draining.body());
                assertEquals("close", draining.header("Connection"));
                assertDownloadWhole(h2, gw.port(), "during the drain");
                assertH2cUpgradeServedWhole(gw, "/draining-h2c");
                assertTrue(goAways.get() >= 1, "HTTP/2 clients are told to go with a GOAWAY");

                // The request in flight since before SIGTERM finishes, and only then does the process exit.
                assertTrue(gw.isAlive(), "the gateway exited with a request in flight:\n" + gw.output());
                upstream.release();
                HttpResponse<String> finished = held.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                assertEquals(200, finished.statusCode(), finished.body());
                assertTrue(finished.body().contains("\"uri\":\"/hold\""), finished.body());

                gw.awaitExit(WAIT);
                String log = gw.output();
                assertTrue(log.contains("gatehouse stopped"), log);
                assertFalse(log.contains("still in flight after"), log);
            }
        } finally {
            h2.close();
            vertx.close();
        }
    }

    /**
     * RFC 9113 §6.8: while draining, an HTTP/2 client is first sent GOAWAY with the largest stream id (it stops
     * opening streams, and those already on their way are served), and one round trip later (a PING) the GOAWAY
     * naming the last stream it opened. A stream the client opened after the first GOAWAY, before it read the
     * second, is served.
     */
    @Test
    void http2ClientsAreToldToGoInTwoStepsAndAStreamOpenedBetweenThemIsServed() throws Exception {
        Vertx vertx = Vertx.vertx();
        try (TestUpstream upstream = TestUpstream.start(vertx, "quick")) {
            Path config = TempDirs.file("gatehouse-goaway", "gatehouse.yaml");
            Files.writeString(config, """
                    upstreams:
                      quick: {targets: [{url: %s}]}
                    routes:
                      - {id: all, path: /**, upstream: quick}
                    """.formatted(upstream.url()));
            try (GatewayProcess gw = GatewayProcess.start("two-step-goaway", config, "-Dgatehouse.shutdown.delay=10s")) {
                gw.awaitReady(WAIT);
                try (RawH2 h2 = RawH2.connect(gw.port())) {
                    h2.awaitSettings();
                    List<Integer> goAways = new ArrayList<>();
                    h2.get(1, "/before", "x-n", "1");
                    assertEquals(200, status(h2, 1, goAways));

                    gw.terminate();
                    gw.awaitOutput("shutting down: serving 10000 ms more", WAIT);
                    h2.get(3, "/during", "x-n", "3");
                    assertEquals(200, status(h2, 3, goAways)); // its end sends the first GOAWAY
                    RawH2.Frame f;
                    while (goAways.isEmpty() && (f = h2.next()) != null) {
                        if (f.type() == 7) {
                            goAways.add(f.lastStreamId());
                        }
                    }
                    assertEquals(List.of(Integer.MAX_VALUE), goAways, "the first GOAWAY names the largest stream id");
                    // sent before the client acks the PING that follows the first GOAWAY: served
                    h2.get(5, "/between", "x-n", "5");
                    assertEquals(200, status(h2, 5, goAways));
                    while (goAways.size() < 2 && (f = h2.next()) != null) {
                        if (f.type() == 7) {
                            goAways.add(f.lastStreamId());
                        }
                    }
                    assertEquals(List.of(Integer.MAX_VALUE, 5), goAways, "the second GOAWAY names the last stream");
                }
            }
        } finally {
            vertx.close();
        }
    }

    /** Reads frames until {@code stream}'s response head: its status (GOAWAYs met meanwhile go to {@code goAways}). */
    private static int status(RawH2 h2, int stream, List<Integer> goAways) throws Exception {
        RawH2.Frame f;
        while ((f = h2.next()) != null) {
            if (f.type() == 7) {
                goAways.add(f.lastStreamId());
            } else if (f.type() == 1 && f.stream() == stream) {
                return Integer.parseInt(f.headers().status().toString());
            } else if (f.type() == 3 && f.stream() == stream) {
                return -1;
            }
        }
        return -2;
    }

    private static void awaitHeld(TestUpstream upstream) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (upstream.held() == 0) {
            assertTrue(System.nanoTime() < deadline, "the held request never reached the upstream");
            Thread.sleep(20);
        }
    }

    /**
     * A 1 MB download over HTTP/2 (prior knowledge), its body collected on the event loop as it arrives: no byte
     * lost, and no HTTP/1 connection header on an HTTP/2 response (RFC 9113 §8.2.2).
     */
    private static void assertDownloadWhole(io.vertx.core.http.HttpClient h2, int port, String when) throws Exception {
        Object[] result = h2.request(HttpMethod.GET, port, "127.0.0.1", "/download?bytes=" + DOWNLOAD)
                .compose(req -> req.send())
                .compose(resp -> resp.body().map(body -> new Object[] {resp.statusCode(), resp.version(),
                        resp.getHeader("connection"), body}))
                .toCompletionStage().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(200, result[0], when);
        assertEquals(HttpVersion.HTTP_2, result[1], when);
        assertNull(result[2], "a Connection header on an HTTP/2 response " + when);
        Buffer body = (Buffer) result[3];
        assertEquals(DOWNLOAD, body.length(), "HTTP/2 body length " + when);
        assertArrayEquals(expectedDownload(), body.getBytes(), "HTTP/2 body bytes " + when);
    }

    private static byte[] expectedDownload() {
        byte[] chunk = TestUpstream.pattern(64 * 1024);
        byte[] all = new byte[DOWNLOAD];
        for (int i = 0; i < DOWNLOAD; i += chunk.length) {
            System.arraycopy(chunk, 0, all, i, Math.min(chunk.length, DOWNLOAD - i));
        }
        return all;
    }

    /** A fresh JDK client, which upgrades a cleartext connection to HTTP/2 (h2c) with its first request. */
    private static void assertH2cUpgradeServedWhole(GatewayProcess gw, String path) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(gw.url("/download?bytes=" + DOWNLOAD
                + "&from=" + path.substring(1)))).timeout(WAIT).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode(), path);
        assertEquals(HttpClient.Version.HTTP_2, r.version(), path);
        assertTrue(Arrays.equals(expectedDownload(), r.body()), path + ": body of " + r.body().length + " bytes");
    }
}
