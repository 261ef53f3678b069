package io.gatehouse.auth;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ApiKeyStoreTest {
    /** {@code printf %s key-one | sha256sum}, as the README tells users to make a hash. */
    private static final String KEY_ONE_SHA256 = "9b346041bc9a49574eb2665b2ad2a0a3f9f9cce4e42f5d1f26deb8a256b5966a";

    private static ApiKeyStore store() {
        return ApiKeyStore.from(new ApiKeysConfig("X-API-Key", List.of(
                new ApiKeyConfig("one", KEY_ONE_SHA256, List.of("user", "admin"), "premium"),
                new ApiKeyConfig("two", ApiKeyStore.hashOf("key-two").substring(7), List.of(), null))));
    }

    @Test
    void theHashIsTheSha256OfTheKeyAsSha256sumPrintsIt() {
        assertEquals("sha256:" + KEY_ONE_SHA256, ApiKeyStore.hashOf("key-one"));
    }

    @Test
    void aConfiguredKeyFindsItsPrincipal() {
        ApiKeyStore store = store();
        assertEquals(new Principal("one", List.of("user", "admin"), "premium"), store.find("key-one"));
        assertEquals(new Principal("two", List.of(), null), store.find("key-two"));
        assertEquals(2, store.size());
    }

    @Test
    void anUnknownKeyFindsNothing() {
        ApiKeyStore store = store();
        assertNull(store.find("key-three"));
        assertNull(store.find("key-one "), "no trimming: the key must match exactly");
        assertNull(store.find("KEY-ONE"));
        assertNull(store.find(""));
        assertNull(store.find(KEY_ONE_SHA256), "the hash itself is not a key");
        assertNull(store.find("sha256:" + KEY_ONE_SHA256));
    }

    @Test
    void theChallengeNamesTheConfiguredHeader() {
        ApiKeyStore store = ApiKeyStore.from(new ApiKeysConfig("X-Gatehouse-Key",
                List.of(new ApiKeyConfig("k", KEY_ONE_SHA256, List.of(), null))));
        assertEquals("X-Gatehouse-Key", store.header());
        assertEquals("ApiKey header=\"X-Gatehouse-Key\"", store.challenge());
    }

    @Test
    void theStoreNeverHoldsThePlainKey() {
        assertFalse(store().toString().contains("key-one"));
    }

    @Test
    void aPrincipalHoldsAnyOfTheListedRoles() {
        Principal p = new Principal("one", List.of("user", "admin"), null);
        assertTrue(p.holdsAny(List.of("admin")));
        assertTrue(p.holdsAny(List.of("ops", "user")));
        assertFalse(p.holdsAny(List.of("ops")));
        assertFalse(new Principal("none", List.of(), null).holdsAny(List.of("user")));
        assertEquals("user,admin", p.rolesHeader());
        assertEquals("", new Principal("none", List.of(), null).rolesHeader());
    }
}
