package io.gatehouse.auth;

import java.util.List;

/**
 * A route's {@code auth}, {@code roles} and {@code forward-credentials}.
 *
 * @param mode               none | jwt | api-key | any | mtls
 * @param roles              the route admits a principal holding any of these; empty means any authenticated caller
 * @param forwardCredentials whether the API-key header and Authorization are sent on to the upstream
 */
public record RouteAuth(String mode, List<String> roles, boolean forwardCredentials) {
    public static final String NONE = "none";
    public static final String API_KEY = "api-key";
    public static final String JWT = "jwt";
    public static final String ANY = "any";
    /** A verified client certificate from the TLS handshake ({@code server.tls.client-auth}). */
    public static final String MTLS = "mtls";
    /** A route that says nothing about auth. */
    public static final RouteAuth DEFAULT = new RouteAuth(NONE, List.of(), true);

    /** Whether the route needs an authenticated caller. */
    public boolean authenticated() {
        return !NONE.equals(mode);
    }
}
