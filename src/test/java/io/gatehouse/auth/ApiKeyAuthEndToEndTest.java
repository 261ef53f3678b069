package io.gatehouse.auth;

import static io.gatehouse.testing.Scrape.metrics;
import static io.gatehouse.testing.Scrape.value;
import io.gatehouse.testing.AuthTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;


import static io.gatehouse.testing.AuthTestResource.ADMIN_KEY;
import static io.gatehouse.testing.AuthTestResource.BARE_KEY;
import static io.gatehouse.testing.AuthTestResource.KEY_HEADER;
import static io.gatehouse.testing.AuthTestResource.USER_KEY;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** API-key routes in front of a real upstream that echoes the headers it received. */
@QuarkusTest
@QuarkusTestResource(value = AuthTestResource.class, restrictToAnnotatedClass = true)
class ApiKeyAuthEndToEndTest {
    private static final String CHALLENGE = "ApiKey header=\"X-API-Key\"";

    @Test
    void theRightKeyPassesAndTheUpstreamLearnsWhoCalled() {
        given().header(KEY_HEADER, USER_KEY).get("/keyed/echo/1").then().statusCode(200)
                .header("X-Instance", "auth")
                .body("uri", equalTo("/echo/1"))
                .body("headers.x-user-id", equalTo("mobile-app"))
                .body("headers.x-user-role", equalTo("user"))
                .body("headers.x-authenticated", equalTo("true"))
                .body("headers.x-api-key", equalTo(USER_KEY)); // forward-credentials defaults to true
        given().header(KEY_HEADER, ADMIN_KEY).get("/keyed/echo/2").then().statusCode(200)
                .body("headers.x-user-id", equalTo("admin-console"))
                .body("headers.x-user-role", equalTo("admin,ops"));
    }

    @Test
    void theKeyHeaderNameIsCaseInsensitive() {
        given().header("x-api-key", USER_KEY).get("/keyed/echo").then().statusCode(200)
                .body("headers.x-user-id", equalTo("mobile-app"));
    }

    @Test
    void aMissingKeyIs401WithAChallengeAndTheUpstreamIsNeverCalled() {
        given().get("/keyed/echo").then().statusCode(401)
                .contentType("application/json")
                .header("WWW-Authenticate", CHALLENGE)
                .header("X-Instance", nullValue())
                .header("X-Request-ID", notNullValue())
                .body("status", equalTo(401))
                .body("error", equalTo("unauthorized"))
                .body("message", containsString("X-API-Key"));
        given().header(KEY_HEADER, "").get("/keyed/echo").then().statusCode(401)
                .header("WWW-Authenticate", CHALLENGE).header("X-Instance", nullValue());
    }

    @Test
    void aWrongKeyIs401WithoutEchoingTheKey() {
        String wrong = "not-a-real-key-7731";
        given().header(KEY_HEADER, wrong).get("/keyed/echo").then().statusCode(401)
                .contentType("application/json")
                .header("WWW-Authenticate", CHALLENGE)
                .header("X-Instance", nullValue())
                .body("error", equalTo("unauthorized"))
                .body(not(containsString(wrong)));
        // a key sent in another header does not count
        given().header("Authorization", "Bearer " + USER_KEY).get("/keyed/echo").then().statusCode(401)
                .header("X-Instance", nullValue());
    }

    @Test
    void aRouteWithRolesAdmitsOnlyKeysHoldingOne() {
        given().header(KEY_HEADER, USER_KEY).get("/admin-area/echo").then().statusCode(403)
                .contentType("application/json")
                .header("X-Instance", nullValue())
                .header("WWW-Authenticate", nullValue())
                .body("status", equalTo(403))
                .body("error", equalTo("forbidden"));
        given().header(KEY_HEADER, BARE_KEY).get("/admin-area/echo").then().statusCode(403)
                .header("X-Instance", nullValue());
        given().header(KEY_HEADER, ADMIN_KEY).get("/admin-area/echo").then().statusCode(200)
                .header("X-Instance", "auth")
                .body("headers.x-user-id", equalTo("admin-console"));
        // without a key it is still a 401, not a 403
        given().get("/admin-area/echo").then().statusCode(401).header("WWW-Authenticate", CHALLENGE);
    }

    @Test
    void forgedIdentityHeadersNeverReachTheUpstream() {
        // on an authenticated route, the gateway's values replace the client's
        given().header(KEY_HEADER, BARE_KEY)
                .header("X-User-ID", "root").header("X-User-Role", "admin").header("X-Authenticated", "true")
                .header("X_User_ID", "root-underscore")
                .get("/keyed/echo").then().statusCode(200)
                .body("headers.x-user-id", equalTo("bare"))
                .body("headers.x-user-role", equalTo(""))
                .body("headers.x-authenticated", equalTo("true"))
                .body("headers.x_user_id", nullValue());
        // on an open route, they are simply removed
        given().header("X-User-ID", "root").header("X-User-Role", "admin").header("X-Authenticated", "true")
                .get("/open/echo").then().statusCode(200)
                .body("headers.x-user-id", nullValue())
                .body("headers.x-user-role", nullValue())
                .body("headers.x-authenticated", nullValue());
    }

    @Test
    void forwardCredentialsFalseKeepsTheKeyFromTheUpstream() {
        given().header(KEY_HEADER, USER_KEY).header("Authorization", "Basic dXNlcjpwYXNz")
                .get("/hidden/echo").then().statusCode(200)
                .body("headers.x-user-id", equalTo("mobile-app"))
                .body("headers.x-api-key", nullValue())
                .body("headers.authorization", nullValue());
    }

    @Test
    void aRouteWithAuthNoneStaysOpen() {
        given().get("/open/echo").then().statusCode(200).header("X-Instance", "auth")
                .header("WWW-Authenticate", nullValue());
        // a key sent anyway is forwarded as an ordinary header and grants no identity
        given().header(KEY_HEADER, USER_KEY).get("/open/echo").then().statusCode(200)
                .body("headers.x-user-id", nullValue())
                .body("headers.x-api-key", equalTo(USER_KEY));
    }

    @Test
    void outcomesAreCountedPerRouteOnTheManagementPort() {
        String before = metrics();
        given().header(KEY_HEADER, USER_KEY).get("/keyed/m").then().statusCode(200);
        given().header(KEY_HEADER, USER_KEY).get("/keyed/m").then().statusCode(200);
        given().get("/keyed/m").then().statusCode(401);
        given().header(KEY_HEADER, "wrong").get("/keyed/m").then().statusCode(401);
        given().header(KEY_HEADER, "wrong").get("/keyed/m").then().statusCode(401);
        given().header(KEY_HEADER, "wrong").get("/keyed/m").then().statusCode(401);
        given().header(KEY_HEADER, USER_KEY).get("/admin-area/m").then().statusCode(403);
        given().header(KEY_HEADER, ADMIN_KEY).get("/admin-area/m").then().statusCode(200);
        given().get("/open/m").then().statusCode(200);
        String after = metrics();
        assertEquals(2, delta(before, after, "keyed", "ok"), after);
        assertEquals(1, delta(before, after, "keyed", "missing"), after);
        assertEquals(3, delta(before, after, "keyed", "invalid"), after);
        assertEquals(0, delta(before, after, "keyed", "forbidden"), after);
        assertEquals(1, delta(before, after, "admin", "forbidden"), after);
        assertEquals(1, delta(before, after, "admin", "ok"), after);
        assertEquals(-1, after.indexOf("gatehouse_auth_total{outcome=\"ok\",route=\"open\"}"),
                "a route without auth has no auth counters");
        Response traffic = given().get("/q/metrics");
        assertEquals(404, traffic.statusCode());
    }

    private static double delta(String before, String after, String route, String outcome) {
        String series = "gatehouse_auth_total{outcome=\"" + outcome + "\",route=\"" + route + "\"}";
        return value(after, series) - value(before, series);
    }

    @Test
    void consistentHashOnTheAuthenticatedSubjectKeepsEachClientOnOneTarget() {
        for (String key : new String[] {AuthTestResource.USER_KEY, AuthTestResource.ADMIN_KEY, AuthTestResource.BARE_KEY}) {
            java.util.Set<String> instances = new java.util.HashSet<>();
            for (int i = 0; i < 9; i++) {
                instances.add(given().header(AuthTestResource.KEY_HEADER, key).get("/sticky/echo").then().statusCode(200)
                        .extract().header("X-Instance"));
            }
            // round robin (what a missing key falls back to) would have used all three
            org.junit.jupiter.api.Assertions.assertEquals(1, instances.size(), "key " + key + " spread over " + instances);
        }
    }
}
