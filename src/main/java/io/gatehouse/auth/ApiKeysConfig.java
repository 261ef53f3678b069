package io.gatehouse.auth;

import java.util.List;

/**
 * The {@code auth.api-keys} section.
 *
 * @param header the request header that carries the key (default {@value #DEFAULT_HEADER})
 * @param keys   the accepted keys, by hash only: the plain keys never appear in a config
 */
public record ApiKeysConfig(String header, List<ApiKeyConfig> keys) {
    public static final String DEFAULT_HEADER = "X-API-Key";
}
