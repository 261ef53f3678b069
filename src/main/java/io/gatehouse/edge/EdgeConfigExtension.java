package io.gatehouse.edge;

import io.gatehouse.config.ConfigExtension;
import io.gatehouse.config.ConfigKey;
import io.gatehouse.config.ConfigNodes;
import io.gatehouse.config.FeatureSettings;
import io.gatehouse.config.RouteConfig;
import io.gatehouse.config.ServerConfig;
import io.gatehouse.config.ServerParser;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Each route's edge keys: {@code ip-rules: {allow, deny}} (narrowing {@code server.ip-rules}) and
 * {@code limits: {max-body-size, max-header-size, max-url-length, content-types}} (on top of the global limits).
 */
@Singleton
public class EdgeConfigExtension implements ConfigExtension {
    static final ConfigKey<RouteEdge> ROUTE = ConfigKey.of("route edge", RouteEdge.class);
    private static final Set<String> LIMIT_KEYS = Set.of("max-body-size", "max-header-size", "max-url-length",
            "content-types");
    /** {@code type/subtype} or {@code type/*} (RFC 9110 §8.3.1 tokens). */
    private static final Pattern MEDIA_RANGE = Pattern.compile("[!#$%&'*+.^_`|~0-9a-z-]+/([!#$%&'*+.^_`|~0-9a-z-]+|\\*)");

    /**
     * A route's edge settings.
     *
     * @param maxBodyBytes   0 = the global limit only
     * @param maxHeaderBytes 0 = the global limit only
     * @param maxUrlLength   0 = the global limit only
     * @param contentTypes   media types ({@code application/json}, {@code text/*}) a request body may have; empty: any
     */
    record RouteEdge(ServerConfig.IpRulesConfig ipRules, long maxBodyBytes, long maxHeaderBytes, int maxUrlLength,
                     List<String> contentTypes) {
        boolean hasLimits() {
            return maxBodyBytes > 0 || maxHeaderBytes > 0 || maxUrlLength > 0 || !contentTypes.isEmpty();
        }
    }

    @Override
    public Set<String> routeKeys() {
        return Set.of("ip-rules", "limits");
    }

    @Override
    public void parseRoute(ConfigNodes nodes, Map<String, Object> route, String path, FeatureSettings sections,
                           Map<String, Object> file, FeatureSettings.Builder into) {
        if (route.get("ip-rules") == null && route.get("limits") == null) {
            return;
        }
        ServerConfig.IpRulesConfig ipRules = ServerParser.ipRules(nodes, route.get("ip-rules"), path + ".ip-rules");
        long body = 0;
        long header = 0;
        int url = 0;
        List<String> types = new ArrayList<>();
        String at = path + ".limits";
        Map<String, Object> limits = route.get("limits") == null ? null
                : nodes.mapping(route.get("limits"), at, LIMIT_KEYS, Set.of());
        if (limits != null) {
            body = nodes.size(limits.get("max-body-size"), at + ".max-body-size", 0, 1, 1L << 40);
            header = nodes.size(limits.get("max-header-size"), at + ".max-header-size", 0, 64, 1L << 20);
            url = nodes.integer(limits.get("max-url-length"), at + ".max-url-length", 0, 16, 1 << 20);
            List<Object> list = nodes.list(limits.get("content-types"), at + ".content-types", false);
            if (list != null) {
                for (int i = 0; i < list.size(); i++) {
                    String type = nodes.string(list.get(i), at + ".content-types[" + i + "]", true);
                    if (type == null) {
                        continue;
                    }
                    type = type.trim().toLowerCase(Locale.ROOT);
                    if (!MEDIA_RANGE.matcher(type).matches()) {
                        nodes.problem(at + ".content-types[" + i + "]", "'" + type
                                + "' is not a media type (application/json, text/*)");
                    } else {
                        types.add(type);
                    }
                }
            }
        }
        into.put(ROUTE, new RouteEdge(ipRules, body, header, url, List.copyOf(types)));
    }

    static RouteEdge of(RouteConfig route) {
        return route.option(ROUTE);
    }
}
