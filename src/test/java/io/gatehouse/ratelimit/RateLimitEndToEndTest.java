package io.gatehouse.ratelimit;

import io.gatehouse.testing.Ports;
import io.gatehouse.testing.RateLimitTestResource;
import io.gatehouse.testing.RawHttp;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.gatehouse.testing.Scrape.metrics;
import static io.gatehouse.testing.Scrape.value;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rate limits through the running gateway and a real upstream, with the local store. */
@QuarkusTest
@QuarkusTestResource(value = RateLimitTestResource.class, restrictToAnnotatedClass = true)
class RateLimitEndToEndTest {

    private static Response get(String client, String path, String... headers) {
        var request = given().header("X-Forwarded-For", client);
        for (int i = 0; i < headers.length; i += 2) {
            request = request.header(headers[i], headers[i + 1]);
        }
        return request.get(path);
    }

    @Test
    void aRouteLimitPassesItsCountWithHeadersThenRefusesWith429AndRetryAfter() {
        for (int i = 1; i <= 5; i++) {
            Response r = get("203.0.113.1", "/open/echo");
            assertEquals(200, r.statusCode());
            // the global stage's policies first, then the route's
            assertEquals("\"gate\";q=40;w=60, \"per-ip\";q=5;w=60", r.header("RateLimit-Policy"));
            assertTrue(r.header("RateLimit").matches("\"gate\";r=\\d+;t=\\d+, \"per-ip\";r=" + (5 - i) + ";t=\\d+"),
                    r.header("RateLimit"));
            assertEquals("5", r.header("RateLimit-Limit"));
            assertEquals(String.valueOf(5 - i), r.header("RateLimit-Remaining"));
            assertEquals(r.header("RateLimit-Reset"), r.header("X-RateLimit-Reset"));
            assertEquals(String.valueOf(5 - i), r.header("X-RateLimit-Remaining"));
        }
        Response refused = get("203.0.113.1", "/open/echo");
        refused.then().statusCode(429).contentType("application/json")
                .body("status", equalTo(429)).body("error", equalTo("rate_limited"))
                .body("message", startsWith("too many requests: rate limit 'per-ip' exceeded"))
                .body("requestId", equalTo(refused.header("X-Request-ID")));
        int retry = Integer.parseInt(refused.header("Retry-After"));
        assertTrue(retry >= 1 && retry <= 120, "Retry-After " + retry);
        assertEquals("0", refused.header("RateLimit-Remaining"));
        // another client is not affected, and a policy's counters are shared by every route that names it
        get("203.0.113.2", "/open/echo").then().statusCode(200);
        get("203.0.113.1", "/open-too/echo").then().statusCode(429);
        // a route without a policy has only the global one's headers
        Response free = get("203.0.113.1", "/free/echo");
        assertEquals(200, free.statusCode());
        assertEquals("\"gate\";q=40;w=60", free.header("RateLimit-Policy"));
    }

    @Test
    void errorsTheGatewayMakesCarryTheHeadersToo() {
        Response r = get("203.0.113.3", "/down/x");
        assertEquals(502, r.statusCode());
        assertEquals("4", r.header("RateLimit-Remaining"));
        Response notFound = get("203.0.113.3", "/nowhere");
        assertEquals(404, notFound.statusCode());
        assertEquals("\"gate\";q=40;w=60", notFound.header("RateLimit-Policy"), "the global policy covers every answer");
    }

    @Test
    void tiersComeFromTheApiKeyAndUnlistedOnesGetTheDefault() {
        for (int i = 0; i < 4; i++) {
            get("203.0.113.10", "/keyed/echo", "X-API-Key", RateLimitTestResource.PREMIUM_KEY).then().statusCode(200)
                    .header("RateLimit-Policy", endsWith("\"by-tier/1m\";q=4;w=60, \"by-tier/1h\";q=100;w=3600"));
        }
        get("203.0.113.10", "/keyed/echo", "X-API-Key", RateLimitTestResource.PREMIUM_KEY).then().statusCode(429);
        // the counter is the caller's, not the address's: another key from the same address has its own
        for (int i = 0; i < 2; i++) {
            get("203.0.113.10", "/keyed/echo", "X-API-Key", RateLimitTestResource.PLAIN_KEY).then().statusCode(200)
                    .header("RateLimit-Limit", "2");
        }
        get("203.0.113.10", "/keyed/echo", "X-API-Key", RateLimitTestResource.PLAIN_KEY).then().statusCode(429);
        get("203.0.113.11", "/keyed/echo", "X-API-Key", RateLimitTestResource.GOLD_KEY).then().statusCode(200)
                .header("RateLimit-Limit", "2");
    }

    @Test
    void aCallerWhoseTierHasNoLimitsAndNoDefaultIsRefused() {
        get("203.0.113.12", "/premium/echo", "X-API-Key", RateLimitTestResource.PREMIUM_KEY).then().statusCode(200);
        get("203.0.113.12", "/premium/echo", "X-API-Key", RateLimitTestResource.GOLD_KEY).then().statusCode(403)
                .body("error", equalTo("forbidden"))
                .body("message", equalTo("this route's rate limit 'premium-only' has no limits for tier 'gold'"));
        get("203.0.113.12", "/premium/echo", "X-API-Key", RateLimitTestResource.PLAIN_KEY).then().statusCode(403)
                .body("message", equalTo("this route's rate limit 'premium-only' has no limits for callers without a tier"));
    }

    @Test
    void aDryRunCountsAndReportsButNeverRefuses() {
        String before = metrics();
        for (int i = 0; i < 4; i++) {
            Response r = get("203.0.113.20", "/dry/echo");
            assertEquals(200, r.statusCode());
            assertTrue(r.header("RateLimit").contains("\"trial\";r=" + Math.max(0, 1 - i) + ";"), r.header("RateLimit"));
        }
        String after = metrics();
        String series = "gatehouse_ratelimit_decisions_total{outcome=\"dry_run_limited\",policy=\"trial\",route=\"dry\"}";
        assertEquals(2.0, value(after, series) - Math.max(0, value(before, series)), after);
    }

    @Test
    void aKeyThatExceedsABanningPolicyStaysRefused() {
        for (int i = 0; i < 3; i++) {
            get("203.0.113.30", "/ban/echo").then().statusCode(200);
        }
        Response banned = get("203.0.113.30", "/ban/echo");
        banned.then().statusCode(429).body("message", startsWith("too many requests: banned by rate limit 'flood'"));
        int retry = Integer.parseInt(banned.header("Retry-After"));
        assertTrue(retry > 3500 && retry <= 3600, "the ban's hour: " + retry);
    }

    @Test
    void fiftyConcurrentClientsGetExactlyTheLimitThrough() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            List<Future<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 150; i++) {
                String client = "198.51.100." + (i % 50);
                calls.add(pool.submit(() -> get(client, "/exact/echo").statusCode()));
            }
            int ok = 0;
            int limited = 0;
            for (Future<Integer> call : calls) {
                int status = call.get();
                ok += status == 200 ? 1 : 0;
                limited += status == 429 ? 1 : 0;
            }
            assertEquals(37, ok);
            assertEquals(150 - 37, limited);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void gcraLetsItsBurstThroughThenRefusesUntilTheNextInterval() {
        for (int i = 0; i < 3; i++) {
            get("203.0.113.40", "/gcra/echo").then().statusCode(200);
        }
        Response refused = get("203.0.113.40", "/gcra/echo");
        assertEquals(429, refused.statusCode());
        int retry = Integer.parseInt(refused.header("Retry-After"));
        assertTrue(retry > 3500 && retry <= 3600, "one interval of 1/1h: " + retry);
    }

    @Test
    void theGlobalPolicyRefusesAFloodBeforeAnyCredentialIsChecked() {
        String series = "gatehouse_auth_total{outcome=\"invalid\",route=\"keyed\"}";
        double before = Math.max(0, value(metrics(), series));
        int refused = 0;
        for (int i = 0; i < 50; i++) {
            int status = get("203.0.113.50", "/keyed/echo", "X-API-Key", "not-a-key").statusCode();
            refused += status == 429 ? 1 : 0;
        }
        assertEquals(10, refused, "40 per minute pass the global policy");
        assertEquals(40.0, value(metrics(), series) - before, "the refused 10 never reached authentication");
    }

    @Test
    void aForgedForwardedForFromAPeerThatIsNoTrustedProxyChangesNothing() throws Exception {
        // 127.0.0.3 is not a trusted proxy: its X-Forwarded-For is ignored, it is counted as itself
        int ok = 0;
        for (int i = 0; i < 8; i++) {
            RawHttp.Response r = RawHttp.sendFrom("127.0.0.3", Ports.traffic(), List.of("GET /open/echo HTTP/1.1",
                    "Host: localhost", "X-Forwarded-For: 192.0.2." + i), null);
            ok += r.status() == 200 ? 1 : 0;
        }
        assertEquals(5, ok, "counted as 127.0.0.3, whatever it claims");
    }

    @Test
    void theTokenEndpointHasItsOwnPerAddressLimit() {
        for (int i = 0; i < 10; i++) {
            given().header("X-Forwarded-For", "203.0.113.60").header("X-API-Key", RateLimitTestResource.PREMIUM_KEY)
                    .contentType("application/x-www-form-urlencoded").formParam("grant_type", "client_credentials")
                    .post("/auth/token").then().statusCode(200);
        }
        Response refused = given().header("X-Forwarded-For", "203.0.113.60").header("X-API-Key", RateLimitTestResource.PREMIUM_KEY)
                .contentType("application/x-www-form-urlencoded").formParam("grant_type", "client_credentials")
                .post("/auth/token");
        refused.then().statusCode(429).body("message", startsWith("too many requests: rate limit 'auth-token' exceeded"));
        assertTrue(refused.header("RateLimit-Policy").contains("\"auth-token\";q=10;w=60"), refused.header("RateLimit-Policy"));
    }

    @Test
    void theStatusEndpointShowsTheCallersOwnStandingWithoutCountingIt() {
        get("203.0.113.70", "/keyed/echo", "X-API-Key", RateLimitTestResource.STATUS_KEY).then().statusCode(200);
        for (int i = 0; i < 3; i++) {
            Response status = get("203.0.113.70", "/ratelimit/status", "X-API-Key", RateLimitTestResource.STATUS_KEY);
            status.then().statusCode(200).contentType("application/json")
                    .body("caller.id", equalTo("status-app"))
                    .body("caller.address", equalTo("203.0.113.70"))
                    .body("policies.find { it.policy == 'by-tier' }.tier", equalTo("premium"))
                    .body("policies.find { it.policy == 'by-tier' }['counted-as']", equalTo("user:status-app"))
                    .body("policies.find { it.policy == 'by-tier' }.windows[0].limit", equalTo(4))
                    .body("policies.find { it.policy == 'by-tier' }.windows[0].remaining", equalTo(3))
                    .body("policies.find { it.policy == 'per-ip' }['counted-as']", equalTo("ip:203.0.113.70"))
                    .body("policies.find { it.policy == 'per-ip' }.windows[0].remaining", equalTo(5));
        }
        // anonymous: by address; a bad key: 401
        get("203.0.113.71", "/ratelimit/status").then().statusCode(200)
                .body("policies.find { it.policy == 'by-tier' }['counted-as']", equalTo("ip:203.0.113.71"))
                .body("policies.find { it.policy == 'by-tier' }.windows[0].limit", equalTo(2));
        get("203.0.113.71", "/ratelimit/status", "X-API-Key", "wrong").then().statusCode(401).body("error", equalTo("unauthorized"))
                .header("RateLimit-Policy", "\"gate\";q=40;w=60"); // the global policies count it like any request
        // the status reads were counted nowhere: the route still has its count
        get("203.0.113.70", "/keyed/echo", "X-API-Key", RateLimitTestResource.STATUS_KEY).then().statusCode(200)
                .header("RateLimit-Remaining", "2");
    }

    @Test
    void aTokenIssuedForAnApiKeyIsCountedUnderThatKey() {
        get("203.0.113.90", "/either/echo", "X-API-Key", RateLimitTestResource.SWAP_KEY).then().statusCode(200);
        get("203.0.113.91", "/either/echo", "X-API-Key", RateLimitTestResource.SWAP_KEY).then().statusCode(200);
        String token = given().header("X-Forwarded-For", "203.0.113.92").header("X-API-Key", RateLimitTestResource.SWAP_KEY)
                .contentType("application/x-www-form-urlencoded").formParam("grant_type", "client_credentials")
                .post("/auth/token").then().statusCode(200).extract().path("access_token");
        // from yet another address: the token still counts as the key it was issued for
        get("203.0.113.93", "/either/echo", "Authorization", "Bearer " + token).then().statusCode(200)
                .header("RateLimit-Remaining", "0");
        get("203.0.113.94", "/either/echo", "Authorization", "Bearer " + token).then().statusCode(429);
    }

    @Test
    void theMostLimitedKeysAreListedOnTheAdminApi() {
        for (int i = 0; i < 8; i++) {
            get("203.0.113.80", "/open/echo");
        }
        given().port(Ports.management()).header("Authorization", "Bearer " + RateLimitTestResource.adminToken())
                .get("/admin/ratelimits/top?limit=5").then().statusCode(200)
                .body("keys.find { it.key == 'ip:203.0.113.80' }.policy", equalTo("per-ip"))
                .body("keys.find { it.key == 'ip:203.0.113.80' }.limited", equalTo(3));
        given().port(Ports.management()).get("/admin/ratelimits/top").then().statusCode(401);
    }
}
