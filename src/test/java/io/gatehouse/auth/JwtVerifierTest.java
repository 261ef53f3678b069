package io.gatehouse.auth;

import com.sun.net.httpserver.HttpServer;
import io.gatehouse.auth.JwtVerifier.Failure;
import io.gatehouse.auth.JwtVerifier.Result;
import io.gatehouse.testing.TestTokens;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.keys.HmacKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static io.gatehouse.testing.TestTokens.claims;
import static io.gatehouse.testing.TestTokens.inSeconds;
import static io.gatehouse.testing.TestTokens.sign;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which tokens the verifier accepts and why it refuses the others, with real generated keys. */
class JwtVerifierTest {
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef-hs256".getBytes(StandardCharsets.UTF_8);
    private static KeyPair rsa;
    private static KeyPair ec256;
    private static KeyPair ec384;
    private static KeyPair attacker;
    private static HttpServer keyServer;
    private static final AtomicInteger keyServerHits = new AtomicInteger();

    @BeforeAll
    static void keys() throws Exception {
        rsa = TestTokens.rsa();
        ec256 = TestTokens.ec("secp256r1");
        ec384 = TestTokens.ec("secp384r1");
        attacker = TestTokens.rsa();
        // Where jku/x5u headers point: a verifier that fetched anything would show up here.
        keyServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        keyServer.createContext("/", exchange -> {
            keyServerHits.incrementAndGet();
            byte[] body = ("{\"keys\":[" + jwk(attacker.getPublic()).toJson() + "]}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        keyServer.start();
    }

    @AfterAll
    static void stop() {
        keyServer.stop(0);
    }

    private static JwtConfig config(PublicKey key, byte[] secret) {
        return new JwtConfig(TestTokens.ISSUER, Set.of(TestTokens.AUDIENCE), key, secret, Duration.ofSeconds(30),
                "groups");
    }

    private static JwtVerifier verifier(PublicKey key) {
        return JwtVerifier.from(config(key, null));
    }

    private static String keyServerUrl() {
        return "http://127.0.0.1:" + keyServer.getAddress().getPort() + "/jwks.json";
    }

    @Test
    void goodTokensOfEveryKeyTypeAreAccepted() {
        Map<String, Object[]> good = new LinkedHashMap<>();
        good.put("RS256", new Object[] {rsa.getPublic(), null, sign(claims("alice", "user"), rsa.getPrivate(), "RS256")});
        good.put("RS512", new Object[] {rsa.getPublic(), null, sign(claims("alice", "user"), rsa.getPrivate(), "RS512")});
        good.put("PS256", new Object[] {rsa.getPublic(), null, sign(claims("alice", "user"), rsa.getPrivate(), "PS256")});
        good.put("ES256", new Object[] {ec256.getPublic(), null, sign(claims("alice", "user"), ec256.getPrivate(), "ES256")});
        good.put("ES384", new Object[] {ec384.getPublic(), null, sign(claims("alice", "user"), ec384.getPrivate(), "ES384")});
        good.put("HS256", new Object[] {null, SECRET, sign(claims("alice", "user"), new HmacKey(SECRET), "HS256")});
        for (Map.Entry<String, Object[]> e : good.entrySet()) {
            JwtVerifier verifier = JwtVerifier.from(config((PublicKey) e.getValue()[0], (byte[]) e.getValue()[1]));
            Result result = verifier.verify((String) e.getValue()[2]);
            assertTrue(result.ok(), e.getKey() + ": " + result);
            assertEquals(List.of("alice", List.of("user")), List.of(result.principal().id(), result.principal().roles()), e.getKey());
            assertNull(result.principal().tier(), e.getKey());
            assertNull(result.principal().apiKeyId(), e.getKey() + ": a token's caller is no API key");
        }
    }

    @Test
    void everyBadTokenIsRefusedWithItsReason() throws Exception {
        JwtVerifier verifier = verifier(rsa.getPublic());
        String good = sign(claims("alice", "user"), rsa.getPrivate(), "RS256");
        String pemAsSecret = TestTokens.pem(rsa.getPublic());

        record Case(String name, String token, Failure failure) {
        }
        List<Case> cases = new ArrayList<>();
        cases.add(new Case("alg none", TestTokens.unsigned(claims("alice", "admin")), Failure.INVALID));
        cases.add(new Case("alg none, a signature kept", TestTokens.unsigned(claims("alice", "admin"))
                + good.substring(good.lastIndexOf('.') + 1), Failure.INVALID));
        cases.add(new Case("HS256 with the public key (DER) as secret",
                sign(claims("alice", "admin"), new HmacKey(rsa.getPublic().getEncoded()), "HS256"), Failure.INVALID));
        cases.add(new Case("HS256 with the public key (PEM) as secret",
                sign(claims("alice", "admin"), new HmacKey(pemAsSecret.getBytes(StandardCharsets.US_ASCII)), "HS256"),
                Failure.INVALID));
        cases.add(new Case("embedded jwk of the attacker's key",
                sign(claims("alice", "admin"), attacker.getPrivate(), "RS256",
                        jws -> jws.setJwkHeader(jwk(attacker.getPublic()))), Failure.BAD_SIGNATURE));
        cases.add(new Case("jku to the attacker's keys",
                sign(claims("alice", "admin"), attacker.getPrivate(), "RS256",
                        jws -> jws.setHeader("jku", keyServerUrl())), Failure.BAD_SIGNATURE));
        cases.add(new Case("x5u to the attacker's certificate",
                sign(claims("alice", "admin"), attacker.getPrivate(), "RS256",
                        jws -> jws.setHeader("x5u", keyServerUrl())), Failure.BAD_SIGNATURE));
        cases.add(new Case("signed by another RSA key", sign(claims("alice", "admin"), attacker.getPrivate(), "RS256"),
                Failure.BAD_SIGNATURE));
        cases.add(new Case("payload tampered", TestTokens.withPayload(good, claims("alice", "admin")), Failure.BAD_SIGNATURE));
        cases.add(new Case("signature tampered", TestTokens.flipSignature(good), Failure.BAD_SIGNATURE));
        JwtClaims issuer = claims("alice");
        issuer.setIssuer("https://evil.example.com");
        cases.add(new Case("wrong issuer", sign(issuer, rsa.getPrivate(), "RS256"), Failure.INVALID));
        JwtClaims noIssuer = claims("alice");
        noIssuer.unsetClaim("iss");
        cases.add(new Case("no issuer", sign(noIssuer, rsa.getPrivate(), "RS256"), Failure.INVALID));
        JwtClaims audience = claims("alice");
        audience.setAudience("another-service");
        cases.add(new Case("wrong audience", sign(audience, rsa.getPrivate(), "RS256"), Failure.INVALID));
        JwtClaims noAudience = claims("alice");
        noAudience.unsetClaim("aud");
        cases.add(new Case("no audience", sign(noAudience, rsa.getPrivate(), "RS256"), Failure.INVALID));
        JwtClaims expired = claims("alice");
        expired.setIssuedAt(inSeconds(-600));
        expired.setExpirationTime(inSeconds(-60));
        cases.add(new Case("expired beyond the skew", sign(expired, rsa.getPrivate(), "RS256"), Failure.EXPIRED));
        JwtClaims early = claims("alice");
        early.setNotBefore(inSeconds(120));
        cases.add(new Case("not valid before 2 minutes from now", sign(early, rsa.getPrivate(), "RS256"), Failure.INVALID));
        JwtClaims noExp = claims("alice");
        noExp.unsetClaim("exp");
        cases.add(new Case("no exp", sign(noExp, rsa.getPrivate(), "RS256"), Failure.INVALID));
        JwtClaims noSub = claims("alice");
        noSub.unsetClaim("sub");
        cases.add(new Case("no sub", sign(noSub, rsa.getPrivate(), "RS256"), Failure.INVALID));
        cases.add(new Case("an ES256 token on an RSA config", sign(claims("alice"), ec256.getPrivate(), "ES256"),
                Failure.INVALID));
        cases.add(new Case("not a JWT", "not.a.jwt", Failure.INVALID));
        cases.add(new Case("garbage", "%%%", Failure.INVALID));
        cases.add(new Case("an API key in the bearer slot", "user-key-4f1c9a", Failure.INVALID));

        List<String> wrong = new ArrayList<>();
        for (Case c : cases) {
            Result result = verifier.verify(c.token());
            if (result.ok() || result.failure() != c.failure()) {
                wrong.add(c.name() + " -> " + result);
            } else {
                assertNull(result.principal());
                assertFalse(result.description().contains(c.token()), c.name());
                assertFalse(result.description().contains("\""), "description goes into a quoted header value");
            }
        }
        assertTrue(wrong.isEmpty(), "wrongly judged: " + wrong);
        assertEquals(0, keyServerHits.get(), "the verifier fetched a key from a URL a token named");
        assertEquals(0, verifier.cachedEntries(), "refused tokens are not cached");
    }

    @Test
    void theEcCurveFixesTheAlgorithm() {
        JwtVerifier p256 = verifier(ec256.getPublic());
        assertTrue(p256.verify(sign(claims("a"), ec256.getPrivate(), "ES256")).ok());
        assertFalse(p256.verify(sign(claims("a"), ec384.getPrivate(), "ES384")).ok());
        assertFalse(p256.verify(sign(claims("a"), rsa.getPrivate(), "RS256")).ok());
        assertFalse(p256.verify(TestTokens.unsigned(claims("a"))).ok());
        // another EC key on the same curve: a bad signature
        assertEquals(Failure.BAD_SIGNATURE,
                p256.verify(sign(claims("a"), TestTokens.ec("secp256r1").getPrivate(), "ES256")).failure());
    }

    @Test
    void aSecretConfigAcceptsOnlyHs256WithThatSecret() {
        JwtVerifier hs = JwtVerifier.from(config(null, SECRET));
        assertTrue(hs.verify(sign(claims("a"), new HmacKey(SECRET), "HS256")).ok());
        assertEquals(Failure.BAD_SIGNATURE, hs.verify(sign(claims("a"),
                new HmacKey("another-secret-another-secret-0123".getBytes(StandardCharsets.UTF_8)), "HS256")).failure());
        assertFalse(hs.verify(sign(claims("a"), new HmacKey(SECRET), "HS512")).ok(), "only HS256");
        assertFalse(hs.verify(sign(claims("a"), rsa.getPrivate(), "RS256")).ok());
        assertFalse(hs.verify(TestTokens.unsigned(claims("a"))).ok());
    }

    @Test
    void theClockSkewForgivesALittleAndNoMore() {
        JwtVerifier verifier = verifier(rsa.getPublic());
        JwtClaims justExpired = claims("alice");
        justExpired.setIssuedAt(inSeconds(-300));
        justExpired.setExpirationTime(inSeconds(-10));
        assertTrue(verifier.verify(sign(justExpired, rsa.getPrivate(), "RS256")).ok(), "10s past exp, 30s skew");
        JwtClaims almostValid = claims("alice");
        almostValid.setNotBefore(inSeconds(10));
        assertTrue(verifier.verify(sign(almostValid, rsa.getPrivate(), "RS256")).ok(), "nbf 10s ahead, 30s skew");

        JwtVerifier strict = JwtVerifier.from(new JwtConfig(TestTokens.ISSUER, Set.of(), rsa.getPublic(), null,
                Duration.ZERO, "groups"));
        assertEquals(Failure.EXPIRED, strict.verify(sign(justExpired, rsa.getPrivate(), "RS256")).failure());
        assertFalse(strict.verify(sign(almostValid, rsa.getPrivate(), "RS256")).ok());
    }

    @Test
    void withoutConfiguredAudiencesAnyAudienceIsAccepted() {
        JwtVerifier verifier = JwtVerifier.from(new JwtConfig(TestTokens.ISSUER, Set.of(), rsa.getPublic(), null,
                Duration.ofSeconds(30), "groups"));
        JwtClaims other = claims("alice");
        other.setAudience("another-service");
        assertTrue(verifier.verify(sign(other, rsa.getPrivate(), "RS256")).ok());
        JwtClaims none = claims("alice");
        none.unsetClaim("aud");
        assertTrue(verifier.verify(sign(none, rsa.getPrivate(), "RS256")).ok());
    }

    @Test
    void rolesComeFromTheConfiguredClaimInEitherFormAndTheTierFromTier() {
        JwtVerifier verifier = JwtVerifier.from(new JwtConfig(TestTokens.ISSUER, Set.of(), rsa.getPublic(), null,
                Duration.ofSeconds(30), "roles"));
        JwtClaims array = claims("alice");
        array.setStringListClaim("roles", List.of("user", "admin", "bad,role", "user"));
        array.setStringListClaim("groups", List.of("ignored"));
        array.setClaim("tier", "premium");
        array.setClaim("plan", "gold");
        array.setClaim("org", 42);
        array.setClaim("nested", Map.of("a", "b"));
        Principal alice = verifier.verify(sign(array, rsa.getPrivate(), "RS256")).principal();
        assertEquals(List.of("alice", List.of("user", "admin"), "premium"), List.of(alice.id(), alice.roles(), alice.tier()));
        // what rate limits key and tier by: short text and number claims, nothing nested
        assertEquals("gold", alice.tier("plan"));
        assertEquals("premium", alice.tier("tier"));
        assertEquals("42", alice.claim("org"));
        assertNull(alice.claim("nested"));
        assertEquals("alice", alice.claim("sub"));
        JwtClaims spaced = claims("bob");
        spaced.setClaim("roles", "user admin");
        assertEquals(List.of("user", "admin"), verifier.verify(sign(spaced, rsa.getPrivate(), "RS256")).principal().roles());
        JwtClaims commas = claims("carol");
        commas.setClaim("roles", "user,ops, admin");
        assertEquals(List.of("user", "ops", "admin"),
                verifier.verify(sign(commas, rsa.getPrivate(), "RS256")).principal().roles());
        JwtClaims none = claims("dave");
        Result result = verifier.verify(sign(none, rsa.getPrivate(), "RS256"));
        assertEquals(List.of("dave", List.of()), List.of(result.principal().id(), result.principal().roles()));
        assertNull(result.principal().tier());

        // the default claim is groups, as an array (sorted: SmallRye hands it over as a set) or a string
        JwtVerifier groups = verifier(rsa.getPublic());
        assertEquals(List.of("admin", "user"),
                groups.verify(sign(claims("erin", "user", "admin"), rsa.getPrivate(), "RS256")).principal().roles());
        JwtClaims groupString = claims("frank");
        groupString.setClaim("groups", "user admin");
        assertEquals(List.of("admin", "user"),
                groups.verify(sign(groupString, rsa.getPrivate(), "RS256")).principal().roles());
    }

    @Test
    void aVerifiedTokenIsCachedAndNotKeptPastItsExp() throws Exception {
        JwtVerifier verifier = JwtVerifier.from(new JwtConfig(TestTokens.ISSUER, Set.of(), rsa.getPublic(), null,
                Duration.ZERO, "groups"), 2, Clock.systemUTC());
        String token = sign(claims("alice", "user"), rsa.getPrivate(), "RS256");
        Result first = verifier.verify(token);
        Result second = verifier.verify(token);
        assertTrue(first.ok());
        assertTrue(second.ok());
        assertEquals(1, verifier.cachedEntries());
        // bounded
        verifier.verify(sign(claims("bob"), rsa.getPrivate(), "RS256"));
        verifier.verify(sign(claims("carol"), rsa.getPrivate(), "RS256"));
        verifier.verify(sign(claims("dave"), rsa.getPrivate(), "RS256"));
        assertTrue(verifier.cachedEntries() <= 2, "at most the configured number of entries");

        JwtClaims shortLived = claims("erin");
        shortLived.setExpirationTime(inSeconds(1));
        String brief = sign(shortLived, rsa.getPrivate(), "RS256");
        assertTrue(verifier.verify(brief).ok());
        Thread.sleep(2100);
        assertEquals(Failure.EXPIRED, verifier.verify(brief).failure(), "the cache must not outlive exp");
    }

    private static PublicJsonWebKey jwk(PublicKey key) {
        try {
            return PublicJsonWebKey.Factory.newPublicJwk(key);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
