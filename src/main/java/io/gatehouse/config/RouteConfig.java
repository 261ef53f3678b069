package io.gatehouse.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One route of the config file.
 *
 * @param methods     upper-case methods; empty means every method
 * @param host        lower-case host name without port, or null for any host
 * @param headers     exact header conditions (names as written)
 * @param stripPrefix prefix removed from the path before forwarding, or null
 * @param rewrite     path template for the upstream ({name} params, {**} the rest), or null
 * @param auth        none | jwt | api-key | any
 * @param roles       the route admits a principal holding any of these; empty means any authenticated caller
 * @param forwardCredentials whether the API-key header and Authorization are sent on to the upstream
 * @param timeout     overrides the upstream's timeout, or null
 * @param preserveHost forward the client's Host header instead of the target's
 * @param allowInPath {@link #ALLOW_ENCODED_SLASH} and {@link #ALLOW_PATH_PARAMS}: what the route lets through in a
 *                    request path that every other route refuses
 * @param index       position in the file: the last tie-breaker between equally specific routes
 */
public record RouteConfig(
        String id,
        String path,
        Set<String> methods,
        String host,
        Map<String, String> headers,
        String upstream,
        String stripPrefix,
        String rewrite,
        String auth,
        List<String> roles,
        boolean forwardCredentials,
        Duration timeout,
        boolean preserveHost,
        int allowInPath,
        int index) {

    /** {@code allow-in-path: [encoded-slash]}: {@code %2F} and {@code %5C} pass, unchanged. */
    public static final int ALLOW_ENCODED_SLASH = 1;
    /** {@code allow-in-path: [path-params]}: {@code ;params} in segments pass (routing ignores them). */
    public static final int ALLOW_PATH_PARAMS = 2;

    public static final String AUTH_NONE = "none";
    public static final String AUTH_API_KEY = "api-key";
    public static final String AUTH_JWT = "jwt";
    public static final String AUTH_ANY = "any";

    /** Whether the route needs an authenticated caller. */
    public boolean authenticated() {
        return !AUTH_NONE.equals(auth);
    }

    public List<String> sortedMethods() {
        return methods.stream().sorted().toList();
    }
}
