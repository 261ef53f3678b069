package io.gatehouse.edge;

import io.gatehouse.config.ConfigExtension;
import io.gatehouse.config.ConfigKey;
import io.gatehouse.config.ConfigNodes;
import io.gatehouse.config.FeatureSettings;
import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.RouteConfig;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Response headers in the config file: {@code server.response-headers: {add: {Name: value}, remove: [Name]}} and
 * {@code server.security-headers: true} for every answer, and the same two keys on a route (its adds win over the
 * server's for a name, its removes join the server's, its {@code security-headers} overrides the server's). Names
 * must be tokens, values visible characters; a header that frames the message or that the gateway owns is refused.
 */
@Singleton
public class ResponseHeadersConfigExtension implements ConfigExtension {
    static final ConfigKey<ResponseHeadersConfig> SERVER = ConfigKey.of("server response headers", ResponseHeadersConfig.class);
    static final ConfigKey<ResponseHeadersConfig> ROUTE = ConfigKey.of("route response headers", ResponseHeadersConfig.class);
    private static final Set<String> KEYS = Set.of("add", "remove");

    @Override
    public Set<String> serverKeys() {
        return Set.of("response-headers", "security-headers");
    }

    @Override
    public Set<String> routeKeys() {
        return Set.of("response-headers", "security-headers");
    }

    @Override
    public void parseSections(ConfigNodes nodes, Map<String, Object> file, FeatureSettings.Builder into) {
        Object headers = CorsConfigExtension.serverKey(file, "response-headers");
        Object preset = CorsConfigExtension.serverKey(file, "security-headers");
        into.put(SERVER, read(nodes, headers, preset, "server"));
    }

    @Override
    public void parseRoute(ConfigNodes nodes, Map<String, Object> route, String path, FeatureSettings sections,
                           Map<String, Object> file, FeatureSettings.Builder into) {
        into.put(ROUTE, read(nodes, route.get("response-headers"), route.get("security-headers"), path));
    }

    static ResponseHeadersConfig server(GatehouseConfig config) {
        return config.section(SERVER);
    }

    static ResponseHeadersConfig of(RouteConfig route) {
        return route.option(ROUTE);
    }

    /** Both keys under {@code at}; null when neither is there. */
    private static ResponseHeadersConfig read(ConfigNodes nodes, Object headers, Object preset, String at) {
        if (headers == null && preset == null) {
            return null;
        }
        Boolean securityHeaders = nodes.bool(preset, at + ".security-headers");
        String base = at + ".response-headers";
        Map<String, Object> map = headers == null ? null : nodes.mapping(headers, base, KEYS, Set.of());
        List<ResponseHeadersConfig.Header> add = new ArrayList<>();
        List<String> remove = new ArrayList<>();
        if (map != null) {
            Map<String, Object> adds = map.get("add") == null ? null : nodes.map(map.get("add"), base + ".add");
            if (adds != null) {
                for (Map.Entry<String, Object> e : adds.entrySet()) {
                    String entry = base + ".add." + e.getKey();
                    String value = nodes.string(e.getValue(), entry, true);
                    if (!nameAllowed(nodes, e.getKey(), entry) || value == null) {
                        continue;
                    }
                    String problem = valueProblem(value);
                    if (problem != null) {
                        nodes.problem(entry, problem);
                    } else if (add.stream().anyMatch(h -> h.name().equalsIgnoreCase(e.getKey()))) {
                        nodes.problem(entry, "is added twice (header names are the same in any case)");
                    } else {
                        add.add(new ResponseHeadersConfig.Header(e.getKey(), value.trim()));
                    }
                }
            }
            List<Object> list = nodes.list(map.get("remove"), base + ".remove", false);
            if (list != null) {
                for (int i = 0; i < list.size(); i++) {
                    String entry = base + ".remove[" + i + "]";
                    String name = nodes.string(list.get(i), entry, true);
                    if (name == null || !nameAllowed(nodes, name.trim(), entry)) {
                        continue;
                    }
                    String trimmed = name.trim();
                    if (add.stream().anyMatch(h -> h.name().equalsIgnoreCase(trimmed))) {
                        nodes.problem(entry, "'" + trimmed + "' is in add too: add already replaces what an answer "
                                + "has");
                    } else if (remove.stream().noneMatch(trimmed::equalsIgnoreCase)) {
                        remove.add(trimmed);
                    }
                }
            }
        }
        return new ResponseHeadersConfig(List.copyOf(add), List.copyOf(remove), securityHeaders);
    }

    /** Whether a configured name may be added or removed (the problem reported when not). */
    private static boolean nameAllowed(ConfigNodes nodes, String name, String at) {
        if (!ConfigNodes.HEADER_NAME.matcher(name).matches()) {
            nodes.problem(at, "'" + name + "' is not a header name (letters, digits and !#$%&'*+-.^_`|~)");
            return false;
        }
        String why = reserved(name);
        if (why != null) {
            nodes.problem(at, "'" + name + "' " + why);
            return false;
        }
        return true;
    }

    /** Why a header is not the config's to add or remove, or null. */
    static String reserved(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return switch (lower) {
            case "content-length", "transfer-encoding", "content-encoding", "connection", "keep-alive",
                 "proxy-connection", "te", "trailer", "upgrade" ->
                    "frames the message: the gateway and the upstream set it, never the config";
            case "host", "proxy-authenticate", "proxy-authorization" -> "is hop-by-hop or a request header";
            case "x-request-id" -> "is the gateway's own: every answer carries the request's id";
            case "vary" -> "is the answer's own (the upstream's, and CORS adds Origin to it)";
            default -> lower.startsWith("access-control-") ? "is CORS's: configure it with cors" : null;
        };
    }

    /** What is wrong with a header value, or null: visible characters, spaces and tabs only (no CR, LF or NUL). */
    static String valueProblem(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                return "a header value must not hold CR, LF or NUL (it would end the header or the message)";
            }
            if (c < 0x20 && c != '\t' || c == 0x7f || c > 0xff) {
                return "a header value holds visible characters, spaces and tabs only (found U+"
                        + String.format("%04X", (int) c) + ")";
            }
        }
        return null;
    }
}
