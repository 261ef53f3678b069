package io.gatehouse.config;

/**
 * The {@code auth:} section. Token issuing ({@code auth.issuer}) and {@code auth.jwt.jwks-url} are refused at load
 * until they are built.
 *
 * @param apiKeys the {@code auth.api-keys} section, or null when it is absent
 * @param jwt     the {@code auth.jwt} section, or null when it is absent
 */
public record AuthConfig(ApiKeysConfig apiKeys, JwtConfig jwt) {
}
