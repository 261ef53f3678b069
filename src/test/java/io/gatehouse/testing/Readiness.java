package io.gatehouse.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static io.restassured.RestAssured.given;

/** What the running gateway under {@code @QuarkusTest} says about itself, and a request from a client it names. */
public final class Readiness {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private Readiness() {
    }

    /** The readiness answer, whole (for failure messages). */
    public static String all() {
        return given().port(Ports.management()).get("/q/health/ready").asString();
    }

    /** One detail of the gateway's readiness check ({@code redis}, {@code redis.replicas}…), or null. */
    public static String detail(String name) {
        return given().port(Ports.management()).get("/q/health/ready").jsonPath()
                .getString("checks.find { it.name == 'gatehouse-config' }.data['" + name + "']");
    }

    /**
     * The status of a GET on the traffic port from {@code client} (as {@code X-Forwarded-For}: the test resources
     * trust 127.0.0.1 as a proxy); -1 when no answer came within 10 s.
     */
    public static int statusFrom(String client, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + Ports.traffic() + path))
                            .header("X-Forwarded-For", client).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }
}
