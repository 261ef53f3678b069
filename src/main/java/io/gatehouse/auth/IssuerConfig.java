package io.gatehouse.auth;

import java.security.KeyPair;
import java.time.Duration;
import java.util.Objects;

/**
 * The {@code auth.issuer} section: Gatehouse issues its own access tokens at {@code POST /auth/token} to clients that
 * present an API key (OAuth2 client credentials), and accepts them on {@code auth: jwt} routes.
 *
 * @param keys      the signing key (from the PKCS#8 PEM in {@code private-key}, RSA or EC) and its public half
 * @param issuer    the {@code iss} of issued tokens (default: {@code auth.jwt.issuer})
 * @param audience  the {@code aud} of issued tokens, or null for none
 * @param expiresIn the lifetime of an issued token (default {@value #DEFAULT_EXPIRES_IN_MINUTES}m)
 * @param kid       the {@code kid} header of issued tokens (default: the RFC 7638 thumbprint of the public key)
 */
public record IssuerConfig(KeyPair keys, String issuer, String audience, Duration expiresIn, String kid) {
    public static final int DEFAULT_EXPIRES_IN_MINUTES = 5;

    @Override
    public boolean equals(Object o) {
        return o instanceof IssuerConfig c && keys.getPublic().equals(c.keys.getPublic())
                && keys.getPrivate().equals(c.keys.getPrivate()) && issuer.equals(c.issuer)
                && Objects.equals(audience, c.audience) && expiresIn.equals(c.expiresIn) && kid.equals(c.kid);
    }

    @Override
    public int hashCode() {
        return Objects.hash(keys.getPublic(), issuer, audience, expiresIn, kid);
    }

    @Override
    public String toString() {
        // never the private key
        return "IssuerConfig[issuer=" + issuer + ", audience=" + audience + ", key=" + keys.getPublic().getAlgorithm()
                + ", expiresIn=" + expiresIn + ", kid=" + kid + "]";
    }
}
