package io.gatehouse.auth;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuthHeadersTest {

    @Test
    void credentialsAreRemovedInEverySpelling() {
        MultiMap out = HttpHeaders.headers();
        out.add("X-API-Key", "a");
        out.add("X_API_Key", "b");
        out.add("x_api_key", "c");
        out.add("Authorization", "Bearer x");
        AuthHeaders.keepOnly(out, "X-API-Key", "Authorization");
        assertFalse(out.contains("X-API-Key") || out.contains("X_API_Key") || out.contains("x_api_key"));
        assertEquals("Bearer x", out.get("Authorization"));
        AuthHeaders.keepOnly(out, "X-API-Key", null);
        assertTrue(out.isEmpty());
    }

    @Test
    void theVerifiedKeyStaysAndAForgedTokenBesideItGoes() {
        MultiMap out = HttpHeaders.headers();
        out.add("X-API-Key", "a");
        out.add("authorization", "Bearer forged");
        AuthHeaders.keepOnly(out, "X-API-Key", "X-API-Key");
        assertEquals("a", out.get("X-API-Key"));
        assertFalse(out.contains("Authorization"));
    }

    @Test
    void theIdentityGoesUpstreamReplacingWhatWasThere() {
        MultiMap out = HttpHeaders.headers();
        out.add("X-User-ID", "someone-else");
        AuthHeaders.setIdentity(out, new Principal("alice", List.of("user", "admin"), null));
        assertEquals(List.of("alice"), out.getAll("X-User-ID"));
        assertEquals("user,admin", out.get("X-User-Role"));
        assertEquals("true", out.get("X-Authenticated"));
    }
}
