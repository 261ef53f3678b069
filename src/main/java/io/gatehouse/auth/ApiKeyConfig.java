package io.gatehouse.auth;

import java.util.List;

/**
 * One accepted API key.
 *
 * @param id    the key's name: 1-64 letters, digits, '.', '_' or '-'; sent upstream as {@code X-User-ID}
 * @param hash  the SHA-256 of the key as 64 lower-case hex digits (without the {@code sha256:} prefix)
 * @param roles the roles the key holds (may be empty)
 * @param tier  the key's tier (for rate limits), or null
 */
public record ApiKeyConfig(String id, String hash, List<String> roles, String tier) {
}
