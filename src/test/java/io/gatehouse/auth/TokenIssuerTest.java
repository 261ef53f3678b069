package io.gatehouse.auth;

import io.gatehouse.testing.TestTokens;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.time.Duration;
import java.util.List;

import static io.gatehouse.testing.TestTokens.claims;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tokens signed by auth.issuer, checked by a verifier that has only the issuer (no auth.jwt). */
class TokenIssuerTest {
    @Test
    void issuedTokensVerifyWithTheIssuersOwnKeyAndNothingElseDoes() {
        for (KeyPair keys : List.of(TestTokens.rsa(), TestTokens.ec("secp256r1"), TestTokens.ec("secp384r1"))) {
            IssuerConfig config = new IssuerConfig(keys, "https://gatehouse", "api", Duration.ofMinutes(5),
                    TokenIssuer.thumbprint(keys.getPublic()));
            TokenIssuer issuer = TokenIssuer.from(config);
            JwtVerifier verifier = JwtVerifier.from(null, config, null, JwksKeys.Settings.DEFAULT);

            String token = issuer.issue(new Principal("app", List.of("user", "ops"), "premium"));
            JwtVerifier.Result ok = verifier.verify(token);
            assertTrue(ok.ok(), keys.getPublic().getAlgorithm() + ": " + ok.description());
            assertEquals("app", ok.principal().id());
            assertEquals(List.of("ops", "user"), ok.principal().roles());
            assertEquals("premium", ok.principal().tier());

            // the issuer's kid with another key, another kid, a forged unsigned token: refused
            KeyPair other = TestTokens.ec("secp256r1");
            var c = claims("app");
            c.setIssuer("https://gatehouse");
            c.setAudience("api");
            assertFalse(verifier.verify(TestTokens.sign(c, other.getPrivate(), "ES256",
                    jws -> jws.setKeyIdHeaderValue(config.kid()))).ok());
            assertFalse(verifier.verify(TestTokens.sign(c, other.getPrivate(), "ES256",
                    jws -> jws.setKeyIdHeaderValue("other"))).ok());
            assertFalse(verifier.verify(TestTokens.unsigned(c)).ok());
        }
    }
}
