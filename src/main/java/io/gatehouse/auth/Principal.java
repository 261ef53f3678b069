package io.gatehouse.auth;

import io.gatehouse.pipeline.Caller;

import java.util.List;
import java.util.Map;

/**
 * Who a request was authenticated as: an API key (built once per key when a config is loaded and shared by every
 * request that presents it) or a verified token (cached with the token).
 *
 * @param id     the key id or the token's {@code sub} (sent upstream as {@code X-User-ID})
 * @param roles  the roles held, in config order (sent upstream comma-joined as {@code X-User-Role})
 * @param tier   the API key's tier, or the token's {@code tier} claim, or null
 * @param claims a token's top-level claims with short text or number values, for {@code tier-claim},
 *               {@code hash-on: claim:…}; null for an API key
 */
public record Principal(String id, List<String> roles, String tier, Map<String, String> claims) implements Caller {
    public Principal {
        roles = List.copyOf(roles);
        claims = claims == null ? null : Map.copyOf(claims);
    }

    /** An API key's principal. */
    public Principal(String id, List<String> roles, String tier) {
        this(id, roles, tier, null);
    }

    @Override
    public String claim(String name) {
        if ("sub".equals(name)) {
            return id;
        }
        return claims != null ? claims.get(name) : "tier".equals(name) ? tier : null;
    }

    @Override
    public String tier(String claim) {
        return claims != null ? claims.get(claim) : tier;
    }

    @Override
    public String apiKeyId() {
        return claims == null ? id : claims.get(API_KEY_CLAIM);
    }

    /** The claim of a token issued at {@code POST /auth/token} naming the API key it was issued for. */
    public static final String API_KEY_CLAIM = "api_key";

    /** Whether the principal holds at least one of {@code wanted}. */
    public boolean holdsAny(List<String> wanted) {
        for (int i = 0; i < wanted.size(); i++) {
            if (roles.contains(wanted.get(i))) {
                return true;
            }
        }
        return false;
    }

    /** The roles as the {@code X-User-Role} header value: comma-joined, empty when none. */
    public String rolesHeader() {
        return String.join(",", roles);
    }
}
