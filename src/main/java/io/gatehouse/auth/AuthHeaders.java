package io.gatehouse.auth;

import io.gatehouse.pipeline.HeaderNames;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;

/**
 * The headers authentication sets and removes on what goes upstream. Client-sent copies of the identity headers
 * never get through, on any route: the proxy's header rules drop them before any filter runs (a core rule, not
 * this feature's).
 */
final class AuthHeaders {
    static final String USER_ID = "X-User-ID";
    static final String USER_ROLE = "X-User-Role";
    static final String AUTHENTICATED = "X-Authenticated";

    private AuthHeaders() {
    }

    /** Tells the upstream who the caller is: id, roles comma-joined, and that it was authenticated. */
    static void setIdentity(MultiMap to, Principal principal) {
        to.set(USER_ID, principal.id());
        to.set(USER_ROLE, principal.rolesHeader());
        to.set(AUTHENTICATED, "true");
    }

    /**
     * Removes the credential headers (the API-key header, when there is one, and Authorization) other than
     * {@code verified}, the one authentication checked, in every spelling a CGI-style upstream reads as the same
     * ({@code X_API_Key}); with {@code verified} null, all of them.
     */
    static void keepOnly(MultiMap to, String apiKeyHeader, String verified) {
        if (apiKeyHeader != null && !apiKeyHeader.equalsIgnoreCase(verified)) {
            HeaderNames.remove(to, apiKeyHeader);
        }
        if (!HttpHeaders.AUTHORIZATION.toString().equalsIgnoreCase(verified)) {
            HeaderNames.remove(to, HttpHeaders.AUTHORIZATION);
        }
    }
}
