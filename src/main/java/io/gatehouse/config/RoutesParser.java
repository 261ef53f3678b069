package io.gatehouse.config;

import io.gatehouse.routing.PathPattern;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** The {@code routes} section: each route, and the routes that could never match because an earlier one wins. */
final class RoutesParser {
    private static final Set<String> CORE_KEYS = Set.of("id", "path", "methods", "host", "headers", "upstream",
            "strip-prefix", "rewrite", "timeout", "preserve-host", "allow-in-path");
    /** Route keys of DESIGN.md no feature reads yet: named as such rather than "unknown". */
    private static final Set<String> NOT_YET = Set.of("rate-limit", "cache", "cors", "ip-rules", "response-headers",
            "security-headers", "limits", "access-log");
    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE");
    private static final Pattern ROUTE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?");

    private final ConfigNodes nodes;
    private final List<ConfigExtension> extensions;
    private final Set<String> routeKeys;
    private final Set<String> notYet;

    RoutesParser(ConfigNodes nodes, List<ConfigExtension> extensions) {
        this.nodes = nodes;
        this.extensions = extensions;
        Set<String> keys = new java.util.HashSet<>(CORE_KEYS);
        Set<String> later = new java.util.HashSet<>(NOT_YET);
        for (ConfigExtension extension : extensions) {
            keys.addAll(extension.routeKeys());
            later.removeAll(extension.routeKeys());
        }
        keys.addAll(later);
        this.routeKeys = Set.copyOf(keys);
        this.notYet = Set.copyOf(later);
    }

    /**
     * Every route that could be read, in file order. {@code sections} and {@code file} go to the extensions, whose
     * route keys may refer to their sections.
     */
    List<RouteConfig> routes(Object node, Map<String, UpstreamConfig> upstreams, FeatureSettings sections,
                             Map<String, Object> file) {
        List<RouteConfig> result = new ArrayList<>();
        if (node == null) {
            nodes.problem("routes", "required: at least one route");
            return result;
        }
        List<Object> list = nodes.list(node, "routes", true);
        if (list == null) {
            return result;
        }
        if (list.isEmpty()) {
            nodes.problem("routes", "required: at least one route");
        }
        Map<String, Integer> ids = new HashMap<>();
        Map<String, RouteConfig> shapes = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            String path = "routes[" + i + "]";
            RouteConfig route = route(list.get(i), path, i, upstreams, ids, sections, file);
            if (route == null) {
                continue;
            }
            // Two routes with the same pattern, host and headers and overlapping methods: the second could never
            // match. That is a mistake in the file, not something to resolve silently.
            // Header names are case-insensitive in HTTP, so the shape compares them lower-cased.
            TreeMap<String, String> conditions = new TreeMap<>();
            route.headers().forEach((name, value) -> conditions.put(name.toLowerCase(Locale.ROOT), value));
            String shape = PathPattern.parse(route.path()).shape() + " " + route.host() + " " + conditions;
            RouteConfig twin = shapes.get(shape);
            if (twin != null && overlap(twin.methods(), route.methods())) {
                nodes.problem(path, "same path, host and headers as routes[" + twin.index() + "] ('" + twin.id()
                        + "') with overlapping methods: it could never match");
                continue;
            }
            shapes.putIfAbsent(shape, route);
            result.add(route);
        }
        return result;
    }

    private static boolean overlap(Set<String> a, Set<String> b) {
        if (a.isEmpty() || b.isEmpty()) {
            return true;
        }
        for (String m : a) {
            if (b.contains(m)) {
                return true;
            }
        }
        return false;
    }

    private RouteConfig route(Object node, String path, int index, Map<String, UpstreamConfig> upstreams,
                              Map<String, Integer> ids, FeatureSettings sections, Map<String, Object> file) {
        int before = nodes.problemCount();
        Map<String, Object> map = nodes.mapping(node, path, routeKeys, notYet);
        if (map == null) {
            return null;
        }
        // The id is claimed here, before the route's other problems can make it return null, so a duplicate id is
        // reported in the same run as those problems even when the first route with that id is itself bad.
        String id = nodes.uniqueId(map, "routes", index, ids, ROUTE_ID,
                "a route id is 1-64 letters, digits, '.', '_' or '-' (it is a metric label)");
        String pattern = nodes.string(map.get("path"), path + ".path", true);
        PathPattern compiled = null;
        if (pattern != null) {
            try {
                compiled = PathPattern.parse(pattern);
            } catch (IllegalArgumentException e) {
                nodes.problem(path + ".path", e.getMessage());
            }
        }
        Set<String> listed = methods(nodes, map.get("methods"), path + ".methods");
        Set<String> methods = listed != null ? listed : Set.of();
        String host = nodes.string(map.get("host"), path + ".host", false);
        if (host != null) {
            host = host.toLowerCase(Locale.ROOT);
            if (!HOST.matcher(host).matches()) {
                nodes.problem(path + ".host", "'" + host + "' is not a host name (no port, no scheme)");
            }
        }
        Map<String, String> headers = new LinkedHashMap<>();
        Object headerNode = map.get("headers");
        if (headerNode != null) {
            Map<String, Object> headerMap = nodes.map(headerNode, path + ".headers");
            if (headerMap != null) {
                for (Map.Entry<String, Object> h : headerMap.entrySet()) {
                    String hp = path + ".headers." + h.getKey();
                    if (!ConfigNodes.HEADER_NAME.matcher(h.getKey()).matches()) {
                        nodes.problem(hp, "'" + h.getKey() + "' is not a header name");
                        continue;
                    }
                    String value = nodes.string(h.getValue(), hp, true);
                    if (value != null) {
                        headers.put(h.getKey(), value);
                    }
                }
            }
        }
        String upstream = nodes.string(map.get("upstream"), path + ".upstream", true);
        if (upstream != null && !upstreams.containsKey(upstream)) {
            nodes.problem(path + ".upstream", "no upstream named '" + upstream + "'");
        }
        String stripPrefix = nodes.string(map.get("strip-prefix"), path + ".strip-prefix", false);
        if (stripPrefix != null && (!stripPrefix.startsWith("/") || stripPrefix.length() < 2 || stripPrefix.endsWith("/"))) {
            nodes.problem(path + ".strip-prefix", "'" + stripPrefix
                    + "' must start with '/' and not end with '/' (e.g. /api)");
        }
        String rewrite = nodes.string(map.get("rewrite"), path + ".rewrite", false);
        if (rewrite != null && stripPrefix != null) {
            nodes.problem(path + ".rewrite", "use either strip-prefix or rewrite, not both");
        }
        if (rewrite != null && compiled != null) {
            try {
                compiled.checkTemplate(rewrite);
            } catch (IllegalArgumentException e) {
                nodes.problem(path + ".rewrite", e.getMessage());
            }
        }
        Duration timeout = nodes.duration(map.get("timeout"), path + ".timeout", null);
        Boolean preserveHost = nodes.bool(map.get("preserve-host"), path + ".preserve-host");
        int allowInPath = allowInPath(map.get("allow-in-path"), path + ".allow-in-path");
        if ((allowInPath & RouteConfig.ALLOW_PATH_PARAMS) != 0 && (stripPrefix != null || rewrite != null)) {
            nodes.problem(path + ".allow-in-path", "path-params needs the path forwarded as it came (no strip-prefix "
                    + "or rewrite): routing ignores the ;params a rewrite would have to place");
        }
        FeatureSettings.Builder options = new FeatureSettings.Builder();
        for (ConfigExtension extension : extensions) {
            extension.parseRoute(nodes, map, path, sections, file, options);
        }
        if (nodes.problemCount() > before || id == null || pattern == null || upstream == null) {
            return null;
        }
        return new RouteConfig(id, pattern, Set.copyOf(methods), host, Map.copyOf(headers), upstream, stripPrefix, rewrite,
                timeout, Boolean.TRUE.equals(preserveHost), allowInPath, index, options.build());
    }

    /** {@code allow-in-path: [encoded-slash, path-params]}: what a route lets through that others refuse. */
    private int allowInPath(Object node, String path) {
        List<Object> list = nodes.list(node, path, false);
        int flags = 0;
        if (list == null) {
            return flags;
        }
        for (int i = 0; i < list.size(); i++) {
            String v = nodes.string(list.get(i), path + "[" + i + "]", true);
            if (v == null) {
                continue;
            }
            switch (v) {
                case "encoded-slash" -> flags |= RouteConfig.ALLOW_ENCODED_SLASH;
                case "path-params" -> flags |= RouteConfig.ALLOW_PATH_PARAMS;
                default -> nodes.problem(path + "[" + i + "]", "unknown '" + v + "' (encoded-slash | path-params)");
            }
        }
        return flags;
    }

    /**
     * A list of HTTP methods, upper-cased; null when absent. Unknown methods are reported by index. Static, with
     * the nodes passed in, because an upstream's {@code retry.methods} is read the same way.
     */
    static Set<String> methods(ConfigNodes nodes, Object node, String path) {
        List<Object> list = nodes.list(node, path, false);
        if (list == null) {
            return null;
        }
        Set<String> methods = new TreeSet<>();
        for (int i = 0; i < list.size(); i++) {
            String m = nodes.string(list.get(i), path + "[" + i + "]", true);
            if (m == null) {
                continue;
            }
            String upper = m.toUpperCase(Locale.ROOT);
            if (!METHODS.contains(upper)) {
                nodes.problem(path + "[" + i + "]", "unknown method '" + m + "'");
            } else {
                methods.add(upper);
            }
        }
        return Set.copyOf(methods);
    }
}
