package io.gatehouse.auth;

import io.gatehouse.config.ConfigException;
import io.gatehouse.config.ConfigParser;
import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.RouteConfig;

import io.gatehouse.auth.TokenIssuer;
import io.gatehouse.testing.TestTokens;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.security.Signature;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code auth.issuer} section (token issuing at POST /auth/token). */
class IssuerConfigParserTest {
    private static final java.util.List<io.gatehouse.config.ConfigExtension> EXTENSIONS = java.util.List.of(new AuthConfigExtension());

    private static final KeyPair RSA = TestTokens.rsa();
    private static final String UPSTREAM = """
            upstreams:
              users:
                targets:
                  - url: http://127.0.0.1:3001
            routes:
              - id: a
                path: /a
                upstream: users
                auth: jwt
            """;
    private static final String KEYS = """
              api-keys:
                keys:
                  - {id: app, hash: sha256:%s}
            """.formatted("a".repeat(64));

    private static String block(String pem) {
        return pem.strip().replace("\n", "\n      ");
    }

    private static String issuer(String pem, String extra) {
        return """
                  issuer:
                    private-key: |
                      %s
                """.formatted(block(pem)) + extra;
    }

    private static List<String> problems(String yaml) {
        return assertThrows(ConfigException.class, () -> ConfigParser.parse("test", yaml, EXTENSIONS)).problems();
    }

    private static void assertProblem(List<String> problems, String prefix) {
        assertTrue(problems.stream().anyMatch(p -> p.startsWith(prefix)), "expected <" + prefix + "> in " + problems);
    }

    @Test
    void anIssuerAloneEnablesJwtRoutesWithItsDefaults() throws Exception {
        GatehouseConfig config = ConfigParser.parse("test", UPSTREAM + "auth:\n"
                + issuer(TestTokens.privatePem(RSA.getPrivate()), "    issuer: https://gatehouse.example.com\n") + KEYS, EXTENSIONS);
        IssuerConfig issuer = io.gatehouse.auth.AuthConfigExtension.of(config).issuer();
        assertEquals("https://gatehouse.example.com", issuer.issuer());
        assertNull(issuer.audience());
        assertEquals(Duration.ofMinutes(5), issuer.expiresIn());
        assertEquals(TokenIssuer.thumbprint(RSA.getPublic()), issuer.kid());
        assertEquals(RSA.getPublic(), issuer.keys().getPublic());
        assertNull(io.gatehouse.auth.AuthConfigExtension.of(config).jwt());
    }

    @Test
    void theIssuerClaimDefaultsToAuthJwtAndAnEcKeyWorks() throws Exception {
        KeyPair ec = TestTokens.ec("secp384r1");
        GatehouseConfig config = ConfigParser.parse("test", UPSTREAM + """
                auth:
                  jwt: {issuer: https://id.example.com, jwks-url: https://id.example.com/jwks}
                """ + issuer(TestTokens.privatePem(ec.getPrivate()), """
                    audience: gatehouse
                    expires-in: 1h
                    kid: gh-1
                """) + KEYS, EXTENSIONS);
        IssuerConfig issuer = io.gatehouse.auth.AuthConfigExtension.of(config).issuer();
        assertEquals("https://id.example.com", issuer.issuer());
        assertEquals("gatehouse", issuer.audience());
        assertEquals(Duration.ofHours(1), issuer.expiresIn());
        assertEquals("gh-1", issuer.kid());
        // the public key derived from the private one is the real one: a signature verifies
        assertEquals(ec.getPublic(), issuer.keys().getPublic());
        Signature sign = Signature.getInstance("SHA384withECDSA");
        sign.initSign(issuer.keys().getPrivate());
        sign.update(new byte[] {1, 2, 3});
        byte[] sig = sign.sign();
        Signature verify = Signature.getInstance("SHA384withECDSA");
        verify.initVerify(ec.getPublic());
        verify.update(new byte[] {1, 2, 3});
        assertTrue(verify.verify(sig));
    }

    @Test
    void badIssuerSettingsNameTheirKey() {
        String pem = TestTokens.privatePem(RSA.getPrivate());
        assertProblem(problems(UPSTREAM + "auth:\n" + issuer(pem, "    issuer: https://g\n")),
                "auth.issuer: needs auth.api-keys");
        assertProblem(problems(UPSTREAM + "auth:\n" + issuer(pem, "") + KEYS),
                "auth.issuer.issuer: required when there is no auth.jwt to take it from");
        assertProblem(problems(UPSTREAM + "auth:\n  issuer: {issuer: https://g}\n" + KEYS),
                "auth.issuer.private-key:");
        assertProblem(problems(UPSTREAM + "auth:\n" + issuer(TestTokens.pem(RSA.getPublic()), "    issuer: https://g\n")
                + KEYS), "auth.issuer.private-key: a PEM 'PUBLIC KEY' is not supported");
        String pkcs1 = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        assertProblem(problems(UPSTREAM + "auth:\n" + issuer(pkcs1, "    issuer: https://g\n") + KEYS),
                "auth.issuer.private-key: a PEM 'RSA PRIVATE KEY' is not supported; convert it to PKCS#8");
        List<String> garbage = problems(UPSTREAM + "auth:\n" + issuer(
                "-----BEGIN PRIVATE KEY-----\nc2VjcmV0c2VjcmV0\n-----END PRIVATE KEY-----", "    issuer: https://g\n") + KEYS);
        assertProblem(garbage, "auth.issuer.private-key: is not an RSA or EC private key");
        assertTrue(garbage.stream().noneMatch(p -> p.contains("c2VjcmV0")), "the key is never echoed");
        assertProblem(problems(UPSTREAM + "auth:\n" + issuer(pem, "    issuer: https://g\n    expires-in: 2d\n") + KEYS),
                "auth.issuer.expires-in: must be between 10s and 24h");
        assertProblem(problems(UPSTREAM + "auth:\n" + issuer(pem, "    issuer: https://g\n    kid: \"a b\"\n") + KEYS),
                "auth.issuer.kid: 'a b' is not a usable kid");
        assertProblem(problems(UPSTREAM + "auth:\n" + issuer(pem, "    issuer: https://g\n    lifetime: 5m\n") + KEYS),
                "auth.issuer.lifetime:");
        KeyPair small = smallRsa();
        assertProblem(problems(UPSTREAM + "auth:\n" + issuer(TestTokens.privatePem(small.getPrivate()),
                "    issuer: https://g\n") + KEYS), "auth.issuer.private-key: the RSA key has 1024 bits");
        assertTrue(Base64.getEncoder().encodeToString(small.getPrivate().getEncoded()).length() > 0);
    }

    private static KeyPair smallRsa() {
        try {
            java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
            g.initialize(1024);
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
