package io.gatehouse.pipeline;

import io.gatehouse.testing.GatewayProcess;
import io.gatehouse.testing.RawHttp;
import io.gatehouse.testing.TempDirs;
import io.gatehouse.testing.TestUpstream;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SIGTERM to the packaged gateway, as Kubernetes stops a pod: what is in flight finishes, clients are let go. */
class GracefulShutdownIT {

    @Test
    void sigtermLetsRequestsInFlightFinishAndTellsNewClientsToGo() throws Exception {
        Vertx vertx = Vertx.vertx();
        try (TestUpstream upstream = TestUpstream.start(vertx, "slowpoke")) {
            Path config = TempDirs.file("gatehouse-drain", "gatehouse.yaml");
            Files.writeString(config, """
                    upstreams:
                      slowpoke: {targets: [{url: %s}], timeout: 30s}
                    routes:
                      - {id: all, path: /**, upstream: slowpoke}
                    """.formatted(upstream.url()));
            try (GatewayProcess gw = GatewayProcess.start("graceful-shutdown", config,
                    "-Dgatehouse.shutdown.delay=1s", "-Dgatehouse.shutdown.drain-timeout=15s")) {
                gw.awaitReady(Duration.ofSeconds(30));
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                CompletableFuture<HttpResponse<String>> slow = client.sendAsync(
                        HttpRequest.newBuilder(URI.create(gw.url("/slow?ms=3000"))).timeout(Duration.ofSeconds(30)).build(),
                        HttpResponse.BodyHandlers.ofString());
                Thread.sleep(500); // the slow request is at the upstream now

                long terminatedAt = System.nanoTime();
                gw.terminate();
                Thread.sleep(300);

                // Still served during the shutdown delay, but told to go elsewhere next time.
                RawHttp.Response during = RawHttp.get(gw.port, "/during");
                assertEquals(200, during.status(), during.body());
                assertEquals("close", during.header("Connection"));
                // An HTTP/2 client (cleartext, prior knowledge) is still served, body and all.
                io.vertx.core.http.HttpClient h2 = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
                        .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
                io.vertx.core.http.HttpClientResponse h2Response = h2.request(io.vertx.core.http.HttpMethod.GET, gw.port,
                                "127.0.0.1", "/during-h2")
                        .compose(req -> req.send()).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                assertEquals(200, h2Response.statusCode());
                String h2Body = h2Response.body().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).toString();
                assertTrue(h2Body.contains("/during-h2"), h2Body);
                assertEquals(io.vertx.core.http.HttpVersion.HTTP_2, h2Response.version());

                HttpResponse<String> finished = slow.get(20, TimeUnit.SECONDS);
                assertEquals(200, finished.statusCode(), finished.body());
                assertTrue(finished.body().contains("/slow?ms=3000"), finished.body());

                gw.awaitExit(Duration.ofSeconds(20));
                long tookMillis = (System.nanoTime() - terminatedAt) / 1_000_000;
                assertTrue(tookMillis >= 2_000, "exited after " + tookMillis + " ms, before the slow request was done");
                String log = gw.output();
                assertTrue(log.contains("shutting down: serving 1000 ms more, then draining 1 request(s)"), log);
                assertTrue(log.contains("gatehouse stopped"), log);
                assertTrue(!log.contains("still in flight after"), log);
            }
        } finally {
            vertx.close();
        }
    }
}
