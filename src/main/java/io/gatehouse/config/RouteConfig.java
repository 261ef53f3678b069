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
 * @param timeout     overrides the upstream's timeout, or null
 * @param preserveHost forward the client's Host header instead of the target's
 * @param allowInPath {@link #ALLOW_ENCODED_SLASH} and {@link #ALLOW_PATH_PARAMS}: what the route lets through in a
 *                    request path that every other route refuses
 * @param index       position in the file: the last tie-breaker between equally specific routes
 * @param options     what the features' {@link ConfigExtension}s read from their keys on this route
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
        Duration timeout,
        boolean preserveHost,
        int allowInPath,
        int index,
        FeatureSettings options) {

    /** {@code allow-in-path: [encoded-slash]}: {@code %2F} and {@code %5C} pass, unchanged. */
    public static final int ALLOW_ENCODED_SLASH = 1;
    /** {@code allow-in-path: [path-params]}: {@code ;params} in segments pass (routing ignores them). */
    public static final int ALLOW_PATH_PARAMS = 2;

    /** A feature's settings on this route, or null when the route has none. */
    public <T> T option(ConfigKey<T> key) {
        return options.get(key);
    }

    public List<String> sortedMethods() {
        return methods.stream().sorted().toList();
    }
}
