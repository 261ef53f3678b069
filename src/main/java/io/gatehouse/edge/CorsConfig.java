package io.gatehouse.edge;

import java.util.List;

/**
 * A CORS policy as the config file gives it ({@code server.cors}, or a route's {@code cors}), checked and normalised
 * by {@link CorsConfigExtension}; {@link Cors} is what it compiles to.
 *
 * @param origins       origins as RFC 6454 serialises them ({@code scheme://host[:port]}, lower case, a default port
 *                      left out), wildcard subdomain forms ({@code https://*.example.com}), or the one entry
 *                      {@code *} (any origin)
 * @param methods       upper-case methods a preflight may ask for; empty: the route's own methods; {@code [*]}: any
 * @param headers       request header names a preflight may ask for; {@code [*]} (the default): any it asks for
 * @param exposeHeaders response header names scripts may read besides the CORS-safelisted ones; {@code [*]}: all
 *                      (only without credentials)
 * @param credentials   whether scripts may send cookies and HTTP authentication and read the answer
 * @param maxAgeSeconds how long a browser may keep a preflight's answer; -1: not said (browsers keep it 5 s)
 */
record CorsConfig(List<String> origins, List<String> methods, List<String> headers, List<String> exposeHeaders,
                  boolean credentials, long maxAgeSeconds) {
    static final String ANY = "*";

    /** A route's {@code cors}: its own policy, or null for {@code cors: false} (none, whatever the server's). */
    record RouteCors(CorsConfig policy) {
        static final RouteCors OFF = new RouteCors(null);
    }
}
