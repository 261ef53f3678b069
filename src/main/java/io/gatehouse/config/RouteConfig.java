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
        Duration timeout,
        boolean preserveHost,
        int index) {

    public List<String> sortedMethods() {
        return methods.stream().sorted().toList();
    }
}
