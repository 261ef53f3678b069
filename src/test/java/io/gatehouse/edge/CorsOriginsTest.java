package io.gatehouse.edge;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Origins compared as RFC 6454 serialises them; wildcard subdomain forms that no look-alike host can match. */
class CorsOriginsTest {

    @Test
    void anOriginIsSerialisedWithoutCaseOrADefaultPortAndTheBrowserFormIsKeptAsItIs() {
        String sent = "https://app.example.com";
        assertSame(sent, CorsOrigins.serialise(sent), "already serialised: no new string");
        assertEquals("https://app.example.com", CorsOrigins.serialise("HTTPS://App.Example.COM"));
        assertEquals("https://app.example.com", CorsOrigins.serialise("https://app.example.com:443"));
        assertEquals("http://app.example.com", CorsOrigins.serialise("http://app.example.com:80"));
        assertEquals("http://app.example.com:443", CorsOrigins.serialise("http://app.example.com:443"));
        assertEquals("http://localhost:3000", CorsOrigins.serialise("http://localhost:03000"));
        assertEquals("http://[::1]:8080", CorsOrigins.serialise("http://[::1]:8080"));
        assertEquals("capacitor://localhost", CorsOrigins.serialise("capacitor://localhost"));
    }

    @Test
    void whatIsNotAnOriginSerialisesToNothing() {
        for (String text : List.of("null", "app.example.com", "https://", "https://app.example.com/",
                "https://app.example.com/path", "https://app.example.com?q", "https://user@app.example.com",
                "https://app.example.com:0", "https://app.example.com:65536", "https://app.example.com:",
                "https://app..example.com", "https://.example.com", "https://example.com.", "https://exa mple.com",
                "1http://a.com", "https://[::1", "https://[::1]x", "https://app.example.com:8a")) {
            assertNull(CorsOrigins.serialise(text), text);
        }
    }

    @Test
    void exactOriginsMatchTheirSerialisationOnly() {
        CorsOrigins origins = CorsOrigins.of(List.of("https://app.example.com", "http://localhost:3000"));
        assertTrue(origins.allows("https://app.example.com"));
        assertTrue(origins.allows("HTTPS://APP.example.com"), "scheme and host without regard to case");
        assertTrue(origins.allows("https://app.example.com:443"), "the default port is the same origin");
        assertTrue(origins.allows("http://localhost:3000"));
        assertFalse(origins.allows("http://app.example.com"), "another scheme");
        assertFalse(origins.allows("https://app.example.com:8443"), "another port");
        assertFalse(origins.allows("http://localhost:3001"));
        assertFalse(origins.allows("https://app.example.com.evil.net"));
        assertFalse(origins.allows("https://evilapp.example.com"));
        assertFalse(origins.allows("https://app.example.com/"), "not an origin");
        assertFalse(origins.allows("null"));
        assertFalse(origins.allows(null));
        assertFalse(origins.any());
    }

    @Test
    void aWildcardMatchesSubdomainsOfItsDomainOnlyWithItsSchemeAndPort() {
        CorsOrigins origins = CorsOrigins.of(List.of("https://*.example.com", "http://*.dev.example.net:8080"));
        assertTrue(origins.allows("https://app.example.com"));
        assertTrue(origins.allows("https://a.b.example.com"), "any depth");
        assertTrue(origins.allows("https://App.Example.com"));
        assertTrue(origins.allows("https://app.example.com:443"));
        assertFalse(origins.allows("https://example.com"), "the domain itself is not a subdomain");
        assertFalse(origins.allows("https://evil-example.com"), "a look-alike host");
        assertFalse(origins.allows("https://evilexample.com"));
        assertFalse(origins.allows("https://example.com.evil.net"));
        assertFalse(origins.allows("https://app.example.com.evil.net"));
        assertFalse(origins.allows("https://evil.net/.example.com"), "a path is no host");
        assertFalse(origins.allows("https://evil.net#.example.com"));
        assertFalse(origins.allows("https://evil.net?.example.com"));
        assertFalse(origins.allows("https://user@app.example.com"));
        assertFalse(origins.allows("http://app.example.com"), "another scheme");
        assertFalse(origins.allows("https://app.example.com:8443"), "another port");
        assertFalse(origins.allows("https://.example.com"));
        assertTrue(origins.allows("http://api.dev.example.net:8080"));
        assertFalse(origins.allows("http://api.dev.example.net"), "the port is part of the form");
        assertFalse(origins.allows("http://api.dev.example.net:8081"));
        assertFalse(origins.allows("null"));
    }

    @Test
    void theAnyFormAllowsEveryOriginEvenNone() {
        CorsOrigins origins = CorsOrigins.of(List.of("*"));
        assertTrue(origins.any());
        assertTrue(origins.allows("https://anything.example"));
        assertTrue(origins.allows(null));
    }
}
