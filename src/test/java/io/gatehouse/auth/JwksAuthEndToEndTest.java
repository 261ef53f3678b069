package io.gatehouse.auth;

import io.gatehouse.testing.JwksServer;
import io.gatehouse.testing.JwksTestResource;
import io.gatehouse.testing.Ports;
import io.gatehouse.testing.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static io.gatehouse.testing.TestTokens.claims;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code auth.jwt.jwks-url} against a real JWKS server the test controls: the gateway starts while the JWKS is down,
 * recovers when it comes up, follows a key rotation through the unknown-kid refetch, and a flood of random kids costs
 * the issuer at most one request.
 */
@QuarkusTest
@QuarkusTestResource(value = JwksTestResource.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JwksAuthEndToEndTest {
    private static final KeyPair A = TestTokens.rsa();
    private static final KeyPair B = TestTokens.ec("secp256r1");
    private static final Duration MIN_REFETCH = Duration.ofMillis(2100);
    private static Vertx vertx;
    private static JwksServer jwks;

    @BeforeAll
    static void vertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void close() {
        if (jwks != null) {
            jwks.close();
        }
        vertx.close();
    }

    private static String tokenA(String subject) {
        return TestTokens.sign(claims(subject, "user"), A.getPrivate(), "RS256", jws -> jws.setKeyIdHeaderValue("a"));
    }

    private static String tokenB(String subject) {
        return TestTokens.sign(claims(subject, "user"), B.getPrivate(), "ES256", jws -> jws.setKeyIdHeaderValue("b"));
    }

    private static int status(String token) {
        return given().header("Authorization", "Bearer " + token).get("/jwt/echo").statusCode();
    }

    @Test
    @Order(1)
    void theGatewayStartsWithTheJwksDownRefusesTokensAndRecoversWhenItComesUp() throws Exception {
        given().header("Authorization", "Bearer " + tokenA("alice")).get("/jwt/echo").then().statusCode(401)
                .header("WWW-Authenticate", containsString("the token signing keys are not available yet"));

        int port = ConfigProvider.getConfig().getValue("test.jwks.port", Integer.class);
        jwks = JwksServer.start(vertx, port);
        jwks.serve(new JwksServer.Key("a", A.getPublic(), "RS256"));
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        String token = tokenA("alice");
        while (status(token) != 200) {
            assertTrue(System.nanoTime() < deadline, "the gateway did not pick up the JWKS once it came up");
            Thread.sleep(200);
        }
        given().header("Authorization", "Bearer " + token).get("/jwt/echo").then().statusCode(200)
                .body("headers.x-user-id", equalTo("alice"))
                .body("headers.x-user-role", equalTo("user"));
        assertTrue(jwks.requests() >= 1);
    }

    @Test
    @Order(2)
    void aRotatedKeyIsFetchedWhenATokenNamesItsKid() throws Exception {
        String before = tokenA("alice");
        assertEquals(200, status(before));
        Thread.sleep(MIN_REFETCH.toMillis()); // the last unknown-kid refetch is far enough back
        jwks.serve(new JwksServer.Key("b", B.getPublic(), null)); // rotation: A retired, B (EC, new kid) in
        int requests = jwks.requests();

        given().header("Authorization", "Bearer " + tokenB("bob")).get("/jwt/echo").then().statusCode(200)
                .body("headers.x-user-id", equalTo("bob"));
        assertEquals(requests + 1, jwks.requests(), "one refetch for the unknown kid 'b'");
        // the token verified (and cached) with key A before the rotation stops working once A is withdrawn
        assertEquals(401, status(before), "a cached token outlived the withdrawal of its key");

        // a new token signed with the retired key: its kid is unknown now, and a refetch is too soon
        given().header("Authorization", "Bearer " + tokenA("mallory")).get("/jwt/echo").then().statusCode(401)
                .header("WWW-Authenticate", containsString("the token signing key (kid) is not known"));
        assertEquals(requests + 1, jwks.requests());
        // the set has exactly one key: a token without kid may use it
        String noKid = TestTokens.sign(claims("carol"), B.getPrivate(), "ES256");
        given().header("Authorization", "Bearer " + noKid).get("/jwt/echo").then().statusCode(200)
                .body("headers.x-user-id", equalTo("carol"));
    }

    @Test
    @Order(3)
    void aFloodOfRandomKidsCostsTheIssuerAtMostOneFetch() throws Exception {
        Thread.sleep(MIN_REFETCH.toMillis());
        int requests = jwks.requests();
        KeyPair other = TestTokens.ec("secp256r1");
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String kid = UUID.randomUUID().toString();
            String token = TestTokens.sign(claims("flood"), other.getPrivate(), "ES256",
                    jws -> jws.setKeyIdHeaderValue(kid));
            responses.add(client.sendAsync(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + Ports.traffic() + "/jwt/echo"))
                    .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> r : responses) {
            assertEquals(401, r.get().statusCode());
        }
        int fetched = jwks.requests() - requests;
        assertTrue(fetched <= 1, "50 random kids made " + fetched + " JWKS requests");
        // the good key still works
        assertEquals(200, status(tokenB("bob")));
    }

    @Test
    @Order(4)
    void theUsualRejectionsStillHold() {
        // alg none, even with a known kid
        String none = TestTokens.unsigned(claims("eve"));
        assertEquals(401, status(none));
        // a key embedded in the header is never used
        KeyPair own = TestTokens.ec("secp256r1");
        String embedded = TestTokens.sign(claims("eve"), own.getPrivate(), "ES256", jws -> {
            jws.setKeyIdHeaderValue("b");
            try {
                jws.setJwkHeader(org.jose4j.jwk.PublicJsonWebKey.Factory.newPublicJwk(own.getPublic()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        given().header("Authorization", "Bearer " + embedded).get("/jwt/echo").then().statusCode(401)
                .header("WWW-Authenticate", containsString("the token signature is not valid"));
        // RS256 with the EC key's kid: the key type fixes the algorithm
        String wrongAlg = TestTokens.sign(claims("eve"), A.getPrivate(), "RS256", jws -> jws.setKeyIdHeaderValue("b"));
        assertEquals(401, status(wrongAlg));
        // another issuer
        org.jose4j.jwt.JwtClaims c = claims("eve");
        c.setIssuer("https://evil.example.com");
        given().header("Authorization", "Bearer " + TestTokens.sign(c, B.getPrivate(), "ES256",
                        jws -> jws.setKeyIdHeaderValue("b"))).get("/jwt/echo").then().statusCode(401)
                .header("WWW-Authenticate", containsString("not from the accepted issuer"));
    }

    // ---- POST /auth/token (auth.issuer), same gateway: its tokens pass the jwt route next to the JWKS keys

    @Test
    @Order(5)
    void anApiKeyGetsATokenThatPassesAJwtRoute() {
        io.restassured.response.Response r = given().header(JwksTestResource.KEY_HEADER, JwksTestResource.USER_KEY)
                .contentType("application/x-www-form-urlencoded").formParam("grant_type", "client_credentials")
                .post("/auth/token");
        r.then().statusCode(200)
                .header("Content-Type", containsString("application/json"))
                .header("Cache-Control", "no-store")
                .body("token_type", equalTo("Bearer"))
                .body("expires_in", equalTo(300));
        String token = r.path("access_token");
        int requests = jwks.requests();
        given().header("Authorization", "Bearer " + token).get("/jwt/echo").then().statusCode(200)
                .body("headers.x-user-id", equalTo("mobile-app"))
                .body("headers.x-user-role", equalTo("user"))
                .body("headers.x-authenticated", equalTo("true"));
        assertEquals(requests, jwks.requests(), "the issuer's own key needs no JWKS fetch");

        // client_id + client_secret in the form, the OAuth2 way
        String second = given().contentType("application/x-www-form-urlencoded")
                .formParam("grant_type", "client_credentials").formParam("client_id", "mobile-app")
                .formParam("client_secret", JwksTestResource.USER_KEY)
                .post("/auth/token").then().statusCode(200).extract().path("access_token");
        given().header("Authorization", "Bearer " + second).get("/jwt/echo").then().statusCode(200)
                .body("headers.x-user-id", equalTo("mobile-app"));
    }

    @Test
    @Order(6)
    void badClientsAndRequestsGetOAuth2Errors() {
        given().header(JwksTestResource.KEY_HEADER, "not-the-key").contentType("application/x-www-form-urlencoded")
                .formParam("grant_type", "client_credentials").post("/auth/token").then().statusCode(401)
                .body("error", equalTo("invalid_client"))
                .body(org.hamcrest.Matchers.not(containsString("not-the-key")));
        // the right key under another client_id
        given().contentType("application/x-www-form-urlencoded").formParam("grant_type", "client_credentials")
                .formParam("client_id", "someone-else").formParam("client_secret", JwksTestResource.USER_KEY)
                .post("/auth/token").then().statusCode(401).body("error", equalTo("invalid_client"));
        // no credentials
        given().contentType("application/x-www-form-urlencoded").formParam("grant_type", "client_credentials")
                .post("/auth/token").then().statusCode(401).body("error", equalTo("invalid_client"));
        given().header(JwksTestResource.KEY_HEADER, JwksTestResource.USER_KEY)
                .contentType("application/x-www-form-urlencoded").formParam("grant_type", "password")
                .post("/auth/token").then().statusCode(400).body("error", equalTo("unsupported_grant_type"));
        given().header(JwksTestResource.KEY_HEADER, JwksTestResource.USER_KEY)
                .contentType("application/x-www-form-urlencoded").formParam("scope", "x")
                .post("/auth/token").then().statusCode(400).body("error", equalTo("invalid_request"));
        given().header(JwksTestResource.KEY_HEADER, JwksTestResource.USER_KEY).contentType("application/json")
                .body("{\"grant_type\":\"client_credentials\"}")
                .post("/auth/token").then().statusCode(400).body("error", equalTo("invalid_request"));
        given().header(JwksTestResource.KEY_HEADER, JwksTestResource.USER_KEY)
                .contentType("application/x-www-form-urlencoded").body("grant_type=client_credentials&pad=" + "x".repeat(8000))
                .post("/auth/token").then().statusCode(413).body("error", equalTo("invalid_request"));
        // only POST is the endpoint: other methods go to the routes (none here)
        given().get("/auth/token").then().statusCode(404);
    }

    @Test
    @Order(99)
    void aReloadThatKeepsTheJwtSettingsKeepsTheFetchedKeys() throws Exception {
        String token = tokenB("dave");
        assertEquals(200, status(token));
        int requests = jwks.requests();
        java.nio.file.Path file = java.nio.file.Path.of(ConfigProvider.getConfig().getValue("gatehouse.config", String.class));
        String before = given().port(io.gatehouse.testing.Ports.management()).get("/q/health/ready").asString();
        // an unrelated change: one more route
        java.nio.file.Files.writeString(file, java.nio.file.Files.readString(file).replace("routes:\n",
                "routes:\n  - {id: reload-marker, path: /reload-marker, upstream: " + firstUpstream(file) + "}\n"));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (given().port(io.gatehouse.testing.Ports.management()).get("/q/health/ready").asString().equals(before)
                || given().get("/reload-marker").statusCode() == 404) {
            assertTrue(System.nanoTime() < deadline, "the reload did not happen");
            Thread.sleep(50);
        }
        assertEquals(200, status(token), "the token verifies right after the reload");
        assertEquals(requests, jwks.requests(), "no JWKS fetch: the keys were handed over");
        String metrics = given().port(io.gatehouse.testing.Ports.management()).get("/q/metrics").asString();
        assertTrue(metrics.contains("gatehouse_auth_jwks_fetches_total{outcome=\"ok\"}"), "JWKS fetches are counted");
        assertTrue(metrics.contains("gatehouse_auth_jwks_fetches_total{outcome=\"failed\"}"), "the failed first fetch is counted");
        assertTrue(metrics.contains("gatehouse_auth_tokens_total{outcome=\"issued\"}"), "issued tokens are counted");
        assertTrue(metrics.contains("gatehouse_auth_tokens_total{outcome=\"invalid_client\"}"), "refused clients are counted");
    }

    private static String firstUpstream(java.nio.file.Path file) throws java.io.IOException {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("upstream: ([A-Za-z0-9._-]+)").matcher(java.nio.file.Files.readString(file));
        assertTrue(m.find(), "no route in the test config");
        return m.group(1);
    }
}
