package io.gatehouse.config;

/**
 * The {@code auth:} section. Only API keys are available so far; JWT is refused at load until it is built.
 *
 * @param apiKeys the {@code auth.api-keys} section, or null when it is absent
 */
public record AuthConfig(ApiKeysConfig apiKeys) {
}
