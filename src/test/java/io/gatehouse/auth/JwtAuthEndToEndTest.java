package io.gatehouse.auth;

import static io.gatehouse.testing.Scrape.metrics;
import static io.gatehouse.testing.Scrape.value;
import io.gatehouse.testing.JwtTestResource;
import io.gatehouse.testing.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jose4j.jwt.JwtClaims;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

import static io.gatehouse.testing.JwtTestResource.KEY_HEADER;
import static io.gatehouse.testing.JwtTestResource.USER_KEY;
import static io.gatehouse.testing.TestTokens.claims;
import static io.gatehouse.testing.TestTokens.inSeconds;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** JWT routes in front of a real upstream that echoes the headers it received; tokens signed with a generated key. */
@QuarkusTest
@QuarkusTestResource(value = JwtTestResource.class, restrictToAnnotatedClass = true)
class JwtAuthEndToEndTest {
    private static final String MISSING = "Bearer realm=\"gatehouse\"";
    private static PrivateKey key;

    @BeforeAll
    static void key() throws Exception {
        byte[] der = Base64.getDecoder().decode(
                ConfigProvider.getConfig().getValue("test.jwt.private-key", String.class));
        key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
    }

    private static String token(String subject, String... groups) {
        return TestTokens.sign(claims(subject, groups), key, "RS256");
    }

    private static String expired() {
        JwtClaims c = claims("alice", "user");
        c.setIssuedAt(inSeconds(-600));
        c.setExpirationTime(inSeconds(-120));
        return TestTokens.sign(c, key, "RS256");
    }

    private static String invalidToken(String description) {
        return "Bearer error=\"invalid_token\", error_description=\"" + description + "\"";
    }

    @Test
    void aGoodTokenPassesAndTheUpstreamLearnsWhoCalled() {
        String token = token("alice", "user", "ops");
        given().header("Authorization", "Bearer " + token).get("/jwt/echo/1").then().statusCode(200)
                .header("X-Instance", "jwt")
                .body("uri", equalTo("/echo/1"))
                .body("headers.x-user-id", equalTo("alice"))
                .body("headers.x-user-role", equalTo("ops,user"))
                .body("headers.x-authenticated", equalTo("true"))
                .body("headers.authorization", equalTo("Bearer " + token)); // forward-credentials defaults to true
        // again (now from the cache), with the scheme in lower case
        given().header("Authorization", "bearer " + token).get("/jwt/echo/2").then().statusCode(200)
                .body("headers.x-user-id", equalTo("alice"));
    }

    @Test
    void noTokenIs401WithTheBearerChallengeAndTheUpstreamIsNeverCalled() {
        given().get("/jwt/echo").then().statusCode(401)
                .contentType("application/json")
                .header("WWW-Authenticate", MISSING)
                .header("X-Instance", nullValue())
                .header("X-Request-ID", notNullValue())
                .body("status", equalTo(401))
                .body("error", equalTo("unauthorized"))
                .body("message", containsString("bearer token"));
        // another scheme, or the word alone, is no bearer token either
        given().header("Authorization", "Basic dXNlcjpwYXNz").get("/jwt/echo").then().statusCode(401)
                .header("WWW-Authenticate", MISSING).header("X-Instance", nullValue());
        given().header("Authorization", "Bearer ").get("/jwt/echo").then().statusCode(401)
                .header("WWW-Authenticate", MISSING).header("X-Instance", nullValue());
        // an API key does not open a jwt route
        given().header(KEY_HEADER, USER_KEY).get("/jwt/echo").then().statusCode(401)
                .header("WWW-Authenticate", MISSING).header("X-Instance", nullValue());
    }

    @Test
    void badTokensAre401WithInvalidTokenAndAreNeverEchoed() {
        String expired = expired();
        given().header("Authorization", "Bearer " + expired).get("/jwt/echo").then().statusCode(401)
                .contentType("application/json")
                .header("WWW-Authenticate", invalidToken("the token has expired"))
                .header("X-Instance", nullValue())
                .body("error", equalTo("unauthorized"))
                .body("message", equalTo("the token has expired"))
                .body(not(containsString(expired)));
        String tampered = TestTokens.withPayload(token("alice", "user"), claims("alice", "admin"));
        given().header("Authorization", "Bearer " + tampered).get("/jwt-admin/echo").then().statusCode(401)
                .header("WWW-Authenticate", invalidToken("the token signature is not valid"))
                .header("X-Instance", nullValue())
                .body(not(containsString(tampered)));
        String none = TestTokens.unsigned(claims("alice", "admin"));
        given().header("Authorization", "Bearer " + none).get("/jwt-admin/echo").then().statusCode(401)
                .header("WWW-Authenticate", invalidToken("the token is not valid"))
                .header("X-Instance", nullValue());
        JwtClaims otherIssuer = claims("alice");
        otherIssuer.setIssuer("https://evil.example.com");
        given().header("Authorization", "Bearer " + TestTokens.sign(otherIssuer, key, "RS256")).get("/jwt/echo").then()
                .statusCode(401)
                .header("WWW-Authenticate", invalidToken("the token is not from the accepted issuer"))
                .header("X-Instance", nullValue());
    }

    @Test
    void aRouteWithRolesAdmitsOnlyTokensHoldingOne() {
        given().header("Authorization", "Bearer " + token("alice", "user")).get("/jwt-admin/echo").then().statusCode(403)
                .contentType("application/json")
                .header("X-Instance", nullValue())
                .header("WWW-Authenticate", nullValue())
                .body("error", equalTo("forbidden"));
        given().header("Authorization", "Bearer " + token("nobody")).get("/jwt-admin/echo").then().statusCode(403)
                .header("X-Instance", nullValue());
        given().header("Authorization", "Bearer " + token("root", "admin")).get("/jwt-admin/echo").then().statusCode(200)
                .header("X-Instance", "jwt")
                .body("headers.x-user-id", equalTo("root"))
                .body("headers.x-user-role", equalTo("admin"));
        given().get("/jwt-admin/echo").then().statusCode(401).header("WWW-Authenticate", MISSING);
    }

    @Test
    void authAnyTakesAnApiKeyOrABearerToken() {
        given().header(KEY_HEADER, USER_KEY).get("/either/echo").then().statusCode(200)
                .body("headers.x-user-id", equalTo("mobile-app"))
                .body("headers.x-user-role", equalTo("user"));
        given().header("Authorization", "Bearer " + token("alice", "user")).get("/either/echo").then().statusCode(200)
                .body("headers.x-user-id", equalTo("alice"));
        given().get("/either/echo").then().statusCode(401)
                .header("WWW-Authenticate", MISSING + ", ApiKey header=\"X-API-Key\"")
                .header("X-Instance", nullValue());
        given().header(KEY_HEADER, "wrong").get("/either/echo").then().statusCode(401)
                .header("WWW-Authenticate", "ApiKey header=\"X-API-Key\"").header("X-Instance", nullValue());
        given().header("Authorization", "Bearer " + expired()).get("/either/echo").then().statusCode(401)
                .header("WWW-Authenticate", invalidToken("the token has expired")).header("X-Instance", nullValue());
    }

    @Test
    void forgedIdentityHeadersAreReplacedAndCredentialsCanBeKeptFromTheUpstream() {
        given().header("Authorization", "Bearer " + token("alice", "user"))
                .header("X-User-ID", "root").header("X-User-Role", "admin")
                .get("/jwt/echo").then().statusCode(200)
                .body("headers.x-user-id", equalTo("alice"))
                .body("headers.x-user-role", equalTo("user"));
        given().header("Authorization", "Bearer " + token("alice", "user")).get("/jwt-hidden/echo").then().statusCode(200)
                .body("headers.x-user-id", equalTo("alice"))
                .body("headers.authorization", nullValue());
    }

    @Test
    void outcomesAreCountedWithTheirReasons() {
        String before = metrics();
        String good = token("alice", "user");
        given().header("Authorization", "Bearer " + good).get("/jwt/m").then().statusCode(200);
        given().header("Authorization", "Bearer " + good).get("/jwt/m").then().statusCode(200);
        given().get("/jwt/m").then().statusCode(401);
        given().header("Authorization", "Bearer " + expired()).get("/jwt/m").then().statusCode(401);
        given().header("Authorization", "Bearer " + TestTokens.flipSignature(good)).get("/jwt/m").then().statusCode(401);
        given().header("Authorization", "Bearer " + TestTokens.flipSignature(good) + "x").get("/jwt/m").then()
                .statusCode(401);
        given().header("Authorization", "Bearer " + TestTokens.unsigned(claims("alice"))).get("/jwt/m").then()
                .statusCode(401);
        given().header("Authorization", "Bearer " + good).get("/jwt-admin/m").then().statusCode(403);
        String after = metrics();
        assertEquals(2, delta(before, after, "jwt", "ok"), after);
        assertEquals(1, delta(before, after, "jwt", "missing"), after);
        assertEquals(1, delta(before, after, "jwt", "expired"), after);
        assertEquals(2, delta(before, after, "jwt", "bad_signature"), after);
        assertEquals(1, delta(before, after, "jwt", "invalid"), after);
        assertEquals(1, delta(before, after, "jwt-admin", "forbidden"), after);
    }

    private static double delta(String before, String after, String route, String outcome) {
        String series = "gatehouse_auth_total{outcome=\"" + outcome + "\",route=\"" + route + "\"}";
        return value(after, series) - value(before, series);
    }

    @Test
    void theTokenEndpointIsOffWithoutAuthIssuer() {
        given().header(KEY_HEADER, USER_KEY).contentType("application/x-www-form-urlencoded")
                .formParam("grant_type", "client_credentials").post("/auth/token").then().statusCode(404)
                .body("error", equalTo("no_route"));
    }
}
