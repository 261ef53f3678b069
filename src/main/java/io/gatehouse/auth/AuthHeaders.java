package io.gatehouse.auth;

/**
 * The identity headers an authenticated request carries upstream. Client-sent copies never get through, on any
 * route: the proxy's header rules drop them before any filter runs (a core rule, not this feature's).
 */
final class AuthHeaders {
    static final String USER_ID = "X-User-ID";
    static final String USER_ROLE = "X-User-Role";
    static final String AUTHENTICATED = "X-Authenticated";

    private AuthHeaders() {
    }
}
