package io.gatehouse.edge;

import io.gatehouse.config.ConfigExtension;
import io.gatehouse.config.ConfigKey;
import io.gatehouse.config.ConfigNodes;
import io.gatehouse.config.Durations;
import io.gatehouse.config.FeatureSettings;
import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.RouteConfig;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * CORS in the config file: {@code server.cors} (for every route, and for answers no route made) and each route's
 * {@code cors} (a policy of its own that replaces the server's, {@code false} for none, {@code true} for the
 * server's). Keys: {@code origins, methods, headers, expose-headers, credentials, max-age}. What browsers would refuse
 * or misread is refused here, with its key path.
 */
@Singleton
public class CorsConfigExtension implements ConfigExtension {
    static final ConfigKey<CorsConfig> SERVER = ConfigKey.of("server cors", CorsConfig.class);
    static final ConfigKey<CorsConfig.RouteCors> ROUTE = ConfigKey.of("route cors", CorsConfig.RouteCors.class);
    /** An {@code http://} origin other than localhost, a {@code *.localhost} name or a loopback address. */
    static boolean plainHttpElsewhere(String origin) {
        if (!origin.startsWith("http://")) { // origins are serialised in lower case by now
            return false;
        }
        String hostPort = origin.substring(7);
        int end = hostPort.startsWith("[") ? hostPort.indexOf(']') + 1 : hostPort.indexOf(':');
        String host = end > 0 ? hostPort.substring(0, end) : hostPort;
        boolean loopbackV4 = io.netty.util.NetUtil.isValidIpV4Address(host) && host.startsWith("127.");
        return !(host.equals("localhost") || host.endsWith(".localhost") || loopbackV4 || host.equals("[::1]"));
    }

    private static final Set<String> KEYS = Set.of("origins", "methods", "headers", "expose-headers", "credentials",
            "max-age");

    @Override
    public Set<String> serverKeys() {
        return Set.of("cors");
    }

    @Override
    public Set<String> routeKeys() {
        return Set.of("cors");
    }

    @Override
    public void parseSections(ConfigNodes nodes, Map<String, Object> file, FeatureSettings.Builder into) {
        Object node = serverKey(file, "cors");
        if (node != null) {
            into.put(SERVER, policy(nodes, node, "server.cors"));
        }
    }

    @Override
    public void parseRoute(ConfigNodes nodes, Map<String, Object> route, String path, FeatureSettings sections,
                           Map<String, Object> file, FeatureSettings.Builder into) {
        Object node = route.get("cors");
        if (node == null) {
            return;
        }
        String at = path + ".cors";
        if (node instanceof Map<?, ?>) {
            CorsConfig policy = policy(nodes, node, at);
            if (policy != null) {
                into.put(ROUTE, new CorsConfig.RouteCors(policy));
            }
            return;
        }
        Boolean on = node instanceof Boolean b ? b : null;
        if (on == null) {
            nodes.problem(at, "must be a policy {origins: […], …}, false (none on this route) or true (server.cors)");
        } else if (!on) {
            into.put(ROUTE, CorsConfig.RouteCors.OFF);
        } else if (serverKey(file, "cors") == null) {
            nodes.problem(at, "true means server.cors, which is not set: give this route a policy of its own");
        }
        // true: the server's policy, as when the key is absent
    }

    /** The value of a key of the file's {@code server} mapping, or null (the server parser reports a bad section). */
    static Object serverKey(Map<String, Object> file, String key) {
        return file.get("server") instanceof Map<?, ?> server ? server.get(key) : null;
    }

    /** The server's policy, or null. */
    static CorsConfig server(GatehouseConfig config) {
        return config.section(SERVER);
    }

    /** The policy that applies on {@code route}: its own, none ({@code cors: false}), or the server's. */
    static CorsConfig effective(RouteConfig route, CorsConfig server) {
        CorsConfig.RouteCors own = route.option(ROUTE);
        return own != null ? own.policy() : server;
    }

    /** A policy at {@code at}, or null when it has problems (reported). */
    static CorsConfig policy(ConfigNodes nodes, Object node, String at) {
        int before = nodes.problemCount();
        Map<String, Object> map = nodes.mapping(node, at, KEYS, Set.of());
        if (map == null) {
            return null;
        }
        List<String> origins = origins(nodes, map.get("origins"), at + ".origins");
        Boolean credentials = nodes.bool(map.get("credentials"), at + ".credentials");
        boolean withCredentials = Boolean.TRUE.equals(credentials);
        if (withCredentials && origins.contains(CorsConfig.ANY)) {
            nodes.problem(at + ".credentials", "true with origins [\"*\"]: browsers refuse credentials from a wildcard "
                    + "origin, and echoing any origin instead would let every site read answers with the user's "
                    + "cookies; list the origins");
        }
        if (withCredentials) {
            for (int i = 0; i < origins.size(); i++) {
                if (plainHttpElsewhere(origins.get(i))) {
                    // anyone on the network path of such a page can inject script into it, and read with the cookies
                    nodes.problem(at + ".origins", "'" + origins.get(i) + "' is plain http with credentials: true; "
                            + "only https origins (or http on localhost while developing) may read answers with the "
                            + "user's cookies");
                }
            }
        }
        List<String> methods = tokens(nodes, map.get("methods"), at + ".methods", true, true);
        if (methods != null && methods.isEmpty()) {
            nodes.problem(at + ".methods", "lists no method (leave it out for the route's own methods)");
        }
        List<String> headers = tokens(nodes, map.get("headers"), at + ".headers", false, true);
        List<String> expose = tokens(nodes, map.get("expose-headers"), at + ".expose-headers", false, true);
        if (withCredentials && expose != null && expose.contains(CorsConfig.ANY)) {
            nodes.problem(at + ".expose-headers", "[\"*\"] with credentials: browsers then read '*' as a header "
                    + "named '*' and expose nothing; list the names");
        }
        long maxAge = maxAge(nodes, map.get("max-age"), at + ".max-age");
        if (nodes.problemCount() != before) {
            return null;
        }
        return new CorsConfig(List.copyOf(origins), methods == null ? List.of() : methods,
                headers == null ? List.of(CorsConfig.ANY) : headers, expose == null ? List.of() : expose,
                withCredentials, maxAge);
    }

    private static List<String> origins(ConfigNodes nodes, Object node, String at) {
        List<String> out = new ArrayList<>();
        List<Object> list = nodes.list(node, at, true);
        if (list == null) {
            return out;
        }
        if (list.isEmpty()) {
            nodes.problem(at, "lists no origin (\"*\" for any, or e.g. https://app.example.com)");
        }
        for (int i = 0; i < list.size(); i++) {
            String entry = at + "[" + i + "]";
            String text = nodes.string(list.get(i), entry, true);
            if (text == null) {
                continue;
            }
            text = text.trim();
            if (text.equals(CorsConfig.ANY)) {
                if (list.size() > 1) {
                    nodes.problem(entry, "'*' allows every origin: list it alone");
                }
                out.add(CorsConfig.ANY);
                continue;
            }
            String problem = originProblem(text);
            if (problem != null) {
                nodes.problem(entry, problem);
                continue;
            }
            String origin = CorsOrigins.isWildcard(text) ? wildcard(text) : CorsOrigins.serialise(text);
            if (out.contains(origin)) {
                nodes.problem(entry, "'" + text + "' is listed twice");
            } else {
                out.add(origin);
            }
        }
        return out;
    }

    /** What is wrong with an origin of the config, or null. */
    static String originProblem(String text) {
        if (text.equalsIgnoreCase("null")) {
            return "'null' is the origin of sandboxed frames, data: and file: pages, which any site can make: never "
                    + "allowed";
        }
        int sep = text.indexOf("://");
        if (sep > 0) {
            int slash = text.indexOf('/', sep + 3);
            if (slash >= 0 || text.indexOf('?', sep + 3) >= 0 || text.indexOf('#', sep + 3) >= 0) {
                return "'" + text + "' is not an origin: an origin has no path (" + (slash >= 0
                        ? text.substring(0, slash) : "scheme://host[:port]") + ")";
            }
        }
        if (text.indexOf('*') >= 0) {
            if (!CorsOrigins.isWildcard(text) || text.indexOf('*', text.indexOf('*') + 1) >= 0) {
                return "'" + text + "': a wildcard stands for subdomains only, as the first label "
                        + "(https://*.example.com)";
            }
            String sample = text.replace("://*.", "://x.");
            String serialised = CorsOrigins.serialise(sample);
            if (serialised == null || serialised.contains("[")) {
                return "'" + text + "' is not an origin: scheme://*.domain[:port] (https://*.example.com)";
            }
            int hostStart = serialised.indexOf("://") + 5;
            int colon = serialised.indexOf(':', hostStart);
            String domain = serialised.substring(hostStart, colon < 0 ? serialised.length() : colon);
            if (domain.indexOf('.') < 0 && !domain.equals("localhost")) { // dev subdomains: http://*.localhost:3000
                return "'" + text + "' would allow every site under ." + domain + ": name a domain of your own "
                        + "(https://*.example.com)";
            }
            return null;
        }
        return CorsOrigins.serialise(text) == null
                ? "'" + text + "' is not an origin: scheme://host[:port] (https://app.example.com, http://localhost:3000)"
                : null;
    }

    /** A checked wildcard form, serialised (lower case, no default port) with its {@code *.} kept. */
    private static String wildcard(String text) {
        String serialised = CorsOrigins.serialise(text.replace("://*.", "://x."));
        return serialised.replace("://x.", "://*.");
    }

    /**
     * A list of tokens (methods upper-cased), {@code ["*"]} alone for any; null when absent or unreadable (reported).
     */
    private static List<String> tokens(ConfigNodes nodes, Object node, String at, boolean methods, boolean star) {
        List<Object> list = nodes.list(node, at, false);
        if (list == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String entry = at + "[" + i + "]";
            String text = nodes.string(list.get(i), entry, true);
            if (text == null) {
                continue;
            }
            text = text.trim();
            if (star && text.equals(CorsConfig.ANY)) {
                if (list.size() > 1) {
                    nodes.problem(entry, "'*' stands for any: list it alone");
                }
                out.add(CorsConfig.ANY);
                continue;
            }
            if (!ConfigNodes.HEADER_NAME.matcher(text).matches()) {
                nodes.problem(entry, "'" + text + "' is not " + (methods ? "a method" : "a header name")
                        + " (letters, digits and !#$%&'*+-.^_`|~, one per entry)");
                continue;
            }
            String value = methods ? text.toUpperCase(Locale.ROOT) : text;
            if (out.stream().anyMatch(value::equalsIgnoreCase)) {
                nodes.problem(entry, "'" + text + "' is listed twice");
            } else {
                out.add(value);
            }
        }
        return List.copyOf(out);
    }

    /** Whole seconds, as a number or a duration ({@code 10m}); -1 when absent. */
    private static long maxAge(ConfigNodes nodes, Object node, String at) {
        if (node == null) {
            return -1;
        }
        String text = nodes.string(node, at, true);
        if (text == null) {
            return -1;
        }
        text = text.trim();
        if (text.startsWith("-")) {
            nodes.problem(at, "'" + text + "' is negative: how long a browser may keep a preflight's answer");
            return -1;
        }
        try {
            if (text.chars().allMatch(Character::isDigit)) {
                return Long.parseLong(text);
            }
            Duration d = Durations.parse(text);
            if (d.toMillis() % 1000 != 0) {
                nodes.problem(at, "'" + text + "': browsers take whole seconds");
                return -1;
            }
            return d.toSeconds();
        } catch (NumberFormatException e) {
            nodes.problem(at, "'" + text + "' is too large");
            return -1;
        } catch (IllegalArgumentException e) {
            nodes.problem(at, e.getMessage() + ", or a number of seconds");
            return -1;
        }
    }
}
