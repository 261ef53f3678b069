package io.gatehouse.auth;

/**
 * The {@code auth:} section.
 *
 * @param apiKeys the {@code auth.api-keys} section, or null when it is absent
 * @param jwt     the {@code auth.jwt} section, or null when it is absent
 * @param issuer  the {@code auth.issuer} section (token issuing), or null when it is absent
 */
public record AuthConfig(ApiKeysConfig apiKeys, JwtConfig jwt, IssuerConfig issuer) {
    public AuthConfig(ApiKeysConfig apiKeys, JwtConfig jwt) {
        this(apiKeys, jwt, null);
    }

    /** Whether bearer tokens can be verified: auth.jwt, or the tokens Gatehouse issues itself. */
    public boolean bearerTokens() {
        return jwt != null || issuer != null;
    }
}
