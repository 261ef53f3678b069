package io.gatehouse.auth;

import java.security.PublicKey;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code auth.jwt} section: how bearer tokens are verified. Exactly one of {@code publicKey}, {@code secret}
 * and {@code jwksUrl} is set; the key type fixes the accepted signature algorithms (see {@code JwtVerifier}).
 *
 * @param issuer     the required {@code iss}
 * @param audiences  accepted {@code aud} values (a token must name at least one); empty means aud is not checked
 * @param publicKey  the RSA or EC verification key (from the PEM in {@code public-key}), or null
 * @param secret     the HS256 secret (UTF-8 bytes of {@code secret}, at least 32), or null
 * @param clockSkew  tolerance for exp, nbf and iat (default {@value #DEFAULT_CLOCK_SKEW_SECONDS}s)
 * @param rolesClaim the claim holding the caller's roles (default {@value #DEFAULT_ROLES_CLAIM})
 * @param jwksUrl    the http(s) URL of the issuer's JWKS, or null (then publicKey or secret is set)
 */
public record JwtConfig(String issuer, Set<String> audiences, PublicKey publicKey, byte[] secret, Duration clockSkew,
                        String rolesClaim, String jwksUrl) {
    public static final String DEFAULT_ROLES_CLAIM = "groups";
    public static final int DEFAULT_CLOCK_SKEW_SECONDS = 30;
    public static final int MIN_SECRET_BYTES = 32;

    public JwtConfig {
        audiences = Set.copyOf(audiences);
        secret = secret == null ? null : secret.clone();
    }

    public JwtConfig(String issuer, Set<String> audiences, PublicKey publicKey, byte[] secret, Duration clockSkew,
                     String rolesClaim) {
        this(issuer, audiences, publicKey, secret, clockSkew, rolesClaim, null);
    }

    @Override
    public byte[] secret() {
        return secret == null ? null : secret.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JwtConfig c && issuer.equals(c.issuer) && audiences.equals(c.audiences)
                && Objects.equals(publicKey, c.publicKey) && Arrays.equals(secret, c.secret)
                && clockSkew.equals(c.clockSkew) && rolesClaim.equals(c.rolesClaim) && Objects.equals(jwksUrl, c.jwksUrl);
    }

    @Override
    public int hashCode() {
        return Objects.hash(issuer, audiences, publicKey, Arrays.hashCode(secret), clockSkew, rolesClaim, jwksUrl);
    }

    @Override
    public String toString() {
        // never the secret
        return "JwtConfig[issuer=" + issuer + ", audiences=" + audiences + ", key="
                + (publicKey != null ? publicKey.getAlgorithm() + " public key" : jwksUrl != null ? "jwks " + jwksUrl : "secret") + ", clockSkew=" + clockSkew
                + ", rolesClaim=" + rolesClaim + "]";
    }
}
