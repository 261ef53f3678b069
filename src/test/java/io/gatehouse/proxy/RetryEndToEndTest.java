package io.gatehouse.proxy;

import io.gatehouse.testing.Ports;
import io.gatehouse.testing.RetryTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Retries against real upstreams: a dead target, a target answering 503, a target killed under load. */
@QuarkusTest
@QuarkusTestResource(value = RetryTestResource.class, restrictToAnnotatedClass = true)
class RetryEndToEndTest {

    private static Map<Integer, Integer> statuses(String method, String path, int n) {
        Map<Integer, Integer> counts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Response r = given().request(method, path);
            counts.merge(r.statusCode(), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void idempotentRequestsToADeadTargetAreAnsweredByAnother() {
        assertEquals(Map.of(200, 20), statuses("GET", "/flaky/echo", 20));
    }

    @Test
    void withoutRetryADeadTargetFailsSomeRequests() {
        Map<Integer, Integer> counts = statuses("GET", "/noretry/echo", 20);
        assertTrue(counts.getOrDefault(502, 0) >= 5, "round robin sends half to the dead target: " + counts);
    }

    @Test
    void nonIdempotentMethodsAreNotRetried() {
        Map<Integer, Integer> counts = statuses("POST", "/postretry/echo", 20);
        assertTrue(counts.getOrDefault(502, 0) >= 5, "POST must not be retried: " + counts);
        assertTrue(counts.getOrDefault(200, 0) >= 5, counts.toString());
    }

    @Test
    void aSmallBodyIsKeptAndSentAgainOnRetry() throws Exception {
        byte[] body = new byte[10_000];
        new Random(5).nextBytes(body);
        CRC32 crc = new CRC32();
        crc.update(body);
        for (int i = 0; i < 6; i++) {
            Response r = given().body(body).put("/replay/upload");
            assertEquals(200, r.statusCode(), r.asString());
            JsonObject json = new JsonObject(r.asString());
            assertEquals(body.length, json.getLong("bytes"));
            assertEquals(crc.getValue(), json.getLong("crc"));
        }
    }

    @Test
    void aListedStatusIsRetriedOnAnotherTargetAndNeverReachesTheClient() {
        given().baseUri(Ports.upstream("busy")).port(-1).get("/control?fail=503").then().statusCode(200);
        try {
            Map<String, Integer> instances = new HashMap<>();
            for (int i = 0; i < 20; i++) {
                Response r = given().get("/statuses/echo");
                assertEquals(200, r.statusCode(), r.asString());
                instances.merge(r.header("X-Instance"), 1, Integer::sum);
            }
            assertEquals(Map.of("spare", 20), instances);
        } finally {
            given().baseUri(Ports.upstream("busy")).port(-1).get("/control?fail=0").then().statusCode(200);
        }
    }

    @Test
    void aTargetKilledUnderLoadCausesNoClientErrors() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI uri = URI.create("http://127.0.0.1:" + Ports.traffic() + "/killable/echo");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        ConcurrentHashMap<String, Integer> outcomes = new ConcurrentHashMap<>();
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        Future<?>[] clients = new Future<?>[4];
        for (int c = 0; c < 4; c++) {
            clients[c] = pool.submit(() -> {
                while (System.nanoTime() < end) {
                    try {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        outcomes.merge(r.statusCode() == 200 ? r.headers().firstValue("X-Instance").orElse("?")
                                : "status " + r.statusCode(), 1, Integer::sum);
                    } catch (Exception e) {
                        outcomes.merge("error " + e.getClass().getSimpleName(), 1, Integer::sum);
                    }
                }
            });
        }
        Thread.sleep(1500);
        given().baseUri(Ports.upstream("doomed")).port(-1).get("/control?die=true");
        for (Future<?> f : clients) {
            f.get();
        }
        pool.shutdown();
        assertTrue(outcomes.keySet().stream().allMatch(k -> k.equals("doomed") || k.equals("survivor")),
                "every request answered 200: " + outcomes);
        assertTrue(outcomes.getOrDefault("survivor", 0) > 100, outcomes.toString());
    }
}
