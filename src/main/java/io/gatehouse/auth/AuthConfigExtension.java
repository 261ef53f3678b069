package io.gatehouse.auth;

import io.gatehouse.config.ConfigExtension;
import io.gatehouse.config.ConfigKey;
import io.gatehouse.config.ConfigNodes;
import io.gatehouse.config.FeatureSettings;
import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.RouteConfig;
import jakarta.inject.Singleton;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The auth feature's part of the config file: the {@code auth:} section ({@link AuthParser}) and, on each route,
 * {@code auth}, {@code roles} and {@code forward-credentials}, checked against the section (a route's
 * {@code auth: jwt} needs {@code auth.jwt} or {@code auth.issuer}).
 */
@Singleton
public class AuthConfigExtension implements ConfigExtension {
    /** The {@code auth:} section, or absent. */
    public static final ConfigKey<AuthConfig> SECTION = ConfigKey.of("auth", AuthConfig.class);
    /** A route's auth settings, or absent (then {@link RouteAuth#DEFAULT}). */
    public static final ConfigKey<RouteAuth> ROUTE = ConfigKey.of("route auth", RouteAuth.class);

    @Override
    public Set<String> sections() {
        return Set.of("auth");
    }

    @Override
    public Set<String> routeKeys() {
        return Set.of("auth", "roles", "forward-credentials");
    }

    @Override
    public void parseSections(ConfigNodes nodes, Map<String, Object> file, FeatureSettings.Builder into) {
        into.put(SECTION, new AuthParser(nodes).auth(file.get("auth")));
    }

    @Override
    public void parseRoute(ConfigNodes nodes, Map<String, Object> route, String path, FeatureSettings sections,
                           Map<String, Object> file, FeatureSettings.Builder into) {
        // Whether the file has the section at all, so a route's 'auth: api-key' is not also reported when the
        // section is there but has problems of its own.
        boolean apiKeys = file.get("auth") instanceof Map<?, ?> a && a.get("api-keys") != null;
        boolean jwt = file.get("auth") instanceof Map<?, ?> a && (a.get("jwt") != null || a.get("issuer") != null);
        String auth = nodes.string(route.get("auth"), path + ".auth", false);
        if (auth == null) {
            auth = RouteAuth.NONE;
        } else if (RouteAuth.API_KEY.equals(auth)) {
            if (!apiKeys) {
                nodes.problem(path + ".auth", "'api-key' needs auth.api-keys with at least one key");
            }
        } else if (RouteAuth.JWT.equals(auth)) {
            if (!jwt) {
                nodes.problem(path + ".auth", "'jwt' needs the auth.jwt section (or auth.issuer)");
            }
        } else if (RouteAuth.ANY.equals(auth)) {
            if (!jwt || !apiKeys) {
                nodes.problem(path + ".auth", "'any' (an API key or a JWT) needs both auth.api-keys and auth.jwt"
                        + (jwt ? "; auth.api-keys is missing" : apiKeys ? "; auth.jwt is missing" : ""));
            }
        } else if (RouteAuth.MTLS.equals(auth)) {
            if (!clientCertificates(file)) {
                nodes.problem(path + ".auth", "'mtls' needs server.tls with client-auth: request or require (client "
                        + "certificates are asked for in the TLS handshake)");
            }
            if (route.get("roles") != null) {
                nodes.problem(path + ".roles", "a client certificate carries no roles: leave roles out with auth: mtls");
            }
        } else if (!RouteAuth.NONE.equals(auth)) {
            nodes.problem(path + ".auth", "unknown auth '" + auth + "' (none | jwt | api-key | any | mtls)");
        }
        List<String> roles = RouteAuth.MTLS.equals(auth) ? List.of()
                : AuthParser.roles(nodes, route.get("roles"), path + ".roles", true);
        if (route.get("roles") != null && RouteAuth.NONE.equals(auth)) {
            nodes.problem(path + ".roles",
                    "roles need an authenticated route (auth: jwt, api-key or any); this one has auth: none");
        }
        Boolean forward = nodes.bool(route.get("forward-credentials"), path + ".forward-credentials");
        RouteAuth settings = new RouteAuth(auth, roles, !Boolean.FALSE.equals(forward));
        if (!settings.equals(RouteAuth.DEFAULT)) {
            into.put(ROUTE, settings);
        }
    }

    /** Whether the file's {@code server.tls} asks clients for certificates (its own problems are reported apart). */
    private static boolean clientCertificates(Map<String, Object> file) {
        return file.get("server") instanceof Map<?, ?> server && server.get("tls") instanceof Map<?, ?> tls
                && tls.get("client-auth") instanceof String mode
                && (mode.equalsIgnoreCase("request") || mode.equalsIgnoreCase("require"));
    }

    /** A route's auth settings ({@link RouteAuth#DEFAULT} when it has none). */
    public static RouteAuth of(RouteConfig route) {
        RouteAuth auth = route.option(ROUTE);
        return auth != null ? auth : RouteAuth.DEFAULT;
    }

    /** The {@code auth:} section of a config, or null. */
    public static AuthConfig of(GatehouseConfig config) {
        return config.section(SECTION);
    }
}
