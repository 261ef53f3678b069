package io.gatehouse.testing;

import java.time.Duration;
import java.util.function.Supplier;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.fail;

/** Waiting for what the gateway does in the background (reloads, health checks, breakers), and steering test upstreams. */
public final class Await {
    private Await() {
    }

    /** Polls every 50 ms for up to 30 s (a generous bound for a slow, busy machine); fails naming {@code what}. */
    public static void eventually(Supplier<Boolean> condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.get()) {
                return;
            }
            Thread.sleep(50);
        }
        fail("not within 30 s: " + what);
    }

    /** Sends {@code /control?query} to a {@link TestUpstream} by its name (health, fail, delay, die). */
    public static void control(String instance, String query) {
        given().baseUri(Ports.upstream(instance)).port(-1).get("/control?" + query).then().statusCode(200);
    }
}
