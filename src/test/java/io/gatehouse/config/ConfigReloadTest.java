package io.gatehouse.config;

import io.gatehouse.testing.Await;
import io.gatehouse.testing.Ports;
import io.gatehouse.testing.ReloadTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static io.gatehouse.testing.Await.eventually;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hot reload through a ConfigMap-style symlink swap, with the gateway running and serving. */
@QuarkusTest
@QuarkusTestResource(value = ReloadTestResource.class, restrictToAnnotatedClass = true)
class ConfigReloadTest {
    private static final AtomicInteger VERSIONS = new AtomicInteger();

    private static Path configLink() {
        return Path.of(ConfigProvider.getConfig().getValue("gatehouse.config", String.class));
    }

    private static String configFor(String target) {
        return ReloadTestResource.config(target, Ports.upstream("a"), Ports.upstream("b"));
    }

    private static void publish(String content) throws Exception {
        ReloadTestResource.publish(configLink(), content, "v" + VERSIONS.incrementAndGet());
    }

    private static String instance() {
        io.restassured.response.Response r = given().get("/svc/echo");
        return r.statusCode() == 200 ? r.header("X-Instance") : "status " + r.statusCode();
    }


    private static int held(String upstream) {
        return given().baseUri(Ports.upstream(upstream)).port(-1).get("/control").jsonPath().getInt("held");
    }

    @AfterEach
    void backToA() throws Exception {
        publish(configFor("a"));
        eventually(() -> "a".equals(instance()), "route back on upstream a");
    }

    @Test
    void aSymlinkSwapOfTheConfigMapIsPickedUpWithoutRestart() throws Exception {
        assertEquals("a", instance());
        publish(configFor("b"));
        eventually(() -> "b".equals(instance()), "route moved to upstream b");
    }

    @Test
    void aBadFileIsRefusedWithItsKeyPathAndTheRunningConfigStays() throws Exception {
        String failures = "gatehouse_config_reloads_total{outcome=\"failure\"}";
        String before = io.gatehouse.testing.Scrape.metrics();
        double failedBefore = Math.max(0, io.gatehouse.testing.Scrape.value(before, failures));
        double lastSuccess = io.gatehouse.testing.Scrape.value(before, "gatehouse_config_last_reload_success_timestamp_seconds");
        publish(configFor("a").replace("upstream: a", "upstream: nosuch"));
        eventually(() -> given().port(Ports.management()).get("/q/health/ready").asString()
                .contains("routes[0].upstream: no upstream named 'nosuch'"), "refusal reported by health");
        String metrics = io.gatehouse.testing.Scrape.metrics();
        assertEquals(failedBefore + 1, io.gatehouse.testing.Scrape.value(metrics, failures), "the refusal is counted");
        assertEquals(0.0, io.gatehouse.testing.Scrape.value(metrics, "gatehouse_config_last_reload_successful"));
        assertTrue(lastSuccess > System.currentTimeMillis() / 1000.0 - 3600, "a load succeeded before: " + lastSuccess);
        assertEquals(lastSuccess, io.gatehouse.testing.Scrape.value(metrics,
                "gatehouse_config_last_reload_success_timestamp_seconds"), "a refusal is no success");
        for (int i = 0; i < 20; i++) {
            assertEquals("a", instance());
        }
        given().port(Ports.management()).get("/q/health/ready").then().statusCode(200)
                .body(containsString("\"status\": \"UP\""));
        publish(configFor("a").replace("strip-prefix: /svc", "strip-prefix: /svc\n    colour: red"));
        eventually(() -> given().port(Ports.management()).get("/q/health/ready").asString()
                .contains("routes[0].colour: unknown key"), "second refusal reported");
        assertEquals("a", instance());
        publish(configFor("b"));
        eventually(() -> "b".equals(instance()), "a good file after bad ones is taken");
        assertEquals(1.0, io.gatehouse.testing.Scrape.value(io.gatehouse.testing.Scrape.metrics(),
                "gatehouse_config_last_reload_successful"));
    }

    @Test
    void requestsInFlightFinishOnTheSnapshotTheyStartedWith() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        CompletableFuture<HttpResponse<String>> slow = client.sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + Ports.traffic() + "/svc/hold")).build(),
                HttpResponse.BodyHandlers.ofString());
        eventually(() -> held("a") == 1, "the request is held at upstream a");
        // The new config drops the route entirely: new requests get 404, the one in flight still completes.
        publish(configFor("b").replace("path: /svc/**", "path: /elsewhere/**"));
        eventually(() -> given().get("/svc/echo").statusCode() == 404, "route removed");
        assertEquals(1, held("a"), "still in flight across the reload");
        Await.control("a", "release=true");
        HttpResponse<String> r = slow.get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("a", r.headers().firstValue("X-Instance").orElse(null));
        assertTrue(r.body().contains("\"uri\":\"/hold\""), r.body());
    }
}
