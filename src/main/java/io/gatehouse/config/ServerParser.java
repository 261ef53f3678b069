package io.gatehouse.config;

import io.netty.util.NetUtil;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The {@code server} section. Its other keys (DESIGN.md) arrive with their features and are refused until then. */
public final class ServerParser {
    private static final Set<String> KEYS = Set.of("trusted-proxies", "http2", "proxy-protocol", "client-header-timeout",
            "client-body-timeout", "ip-rules", "max-connections-per-ip", "auto-ban", "tls", "cors", "response-headers");
    private static final Set<String> NOT_YET = Set.of("auto-ban", "cors", "response-headers");
    private static final Set<String> IP_RULES_KEYS = Set.of("allow", "deny");

    private final ConfigNodes nodes;
    private final Set<String> known;
    private final Set<String> notYet;

    /** @param claimed the keys features' extensions read ({@link ConfigExtension#serverKeys()}) */
    ServerParser(ConfigNodes nodes, Set<String> claimed) {
        this.nodes = nodes;
        Set<String> keys = new java.util.HashSet<>(KEYS);
        keys.addAll(claimed);
        Set<String> later = new java.util.HashSet<>(NOT_YET);
        later.removeAll(claimed);
        this.known = Set.copyOf(keys);
        this.notYet = Set.copyOf(later);
    }

    ServerConfig server(Object node) {
        if (node == null) {
            return ServerConfig.DEFAULT;
        }
        Map<String, Object> map = nodes.mapping(node, "server", known, notYet);
        if (map == null) {
            return ServerConfig.DEFAULT;
        }
        List<String> trusted = cidrs(nodes, map.get("trusted-proxies"), "server.trusted-proxies");
        Boolean proxyProtocol = nodes.bool(map.get("proxy-protocol"), "server.proxy-protocol");
        return new ServerConfig(trusted, http2(map.get("http2")),
                nodes.duration(map.get("client-header-timeout"), "server.client-header-timeout",
                        ServerConfig.DEFAULT_CLIENT_HEADER_TIMEOUT),
                nodes.duration(map.get("client-body-timeout"), "server.client-body-timeout",
                        ServerConfig.DEFAULT_CLIENT_BODY_TIMEOUT),
                ipRules(nodes, map.get("ip-rules"), "server.ip-rules"),
                nodes.integer(map.get("max-connections-per-ip"), "server.max-connections-per-ip", 0, 1, 1_000_000),
                Boolean.TRUE.equals(proxyProtocol), TlsParser.tls(nodes, map.get("tls")));
    }

    /** A list of CIDR ranges or addresses at {@code path}, each checked; empty when absent. */
    public static List<String> cidrs(ConfigNodes nodes, Object node, String path) {
        List<String> out = new ArrayList<>();
        List<Object> list = nodes.list(node, path, false);
        if (list != null) {
            for (int i = 0; i < list.size(); i++) {
                String at = path + "[" + i + "]";
                String cidr = nodes.string(list.get(i), at, true);
                if (cidr == null) {
                    continue;
                }
                String problem = cidrProblem(cidr.trim());
                if (problem != null) {
                    nodes.problem(at, problem);
                } else {
                    out.add(cidr.trim());
                }
            }
        }
        return List.copyOf(out);
    }

    /** {@code ip-rules: {allow: [...], deny: [...]}} at {@code path} (the server's or a route's). */
    public static ServerConfig.IpRulesConfig ipRules(ConfigNodes nodes, Object node, String path) {
        if (node == null) {
            return ServerConfig.IpRulesConfig.NONE;
        }
        Map<String, Object> map = nodes.mapping(node, path, IP_RULES_KEYS, Set.of());
        if (map == null) {
            return ServerConfig.IpRulesConfig.NONE;
        }
        return new ServerConfig.IpRulesConfig(cidrs(nodes, map.get("allow"), path + ".allow"),
                cidrs(nodes, map.get("deny"), path + ".deny"));
    }

    private static final Set<String> HTTP2_KEYS = Set.of("max-concurrent-streams", "max-header-list-size",
            "max-resets-per-window", "reset-window", "cleartext");

    private ServerConfig.Http2Limits http2(Object node) {
        ServerConfig.Http2Limits d = ServerConfig.Http2Limits.DEFAULT;
        Map<String, Object> map = nodes.section(node, "server.http2", HTTP2_KEYS);
        if (map == null) {
            return d;
        }
        return new ServerConfig.Http2Limits(
                nodes.integer(map.get("max-concurrent-streams"), "server.http2.max-concurrent-streams",
                        d.maxConcurrentStreams(), 1, 10_000),
                nodes.size(map.get("max-header-list-size"), "server.http2.max-header-list-size",
                        d.maxHeaderListSize(), 1024, 1024 * 1024),
                nodes.integer(map.get("max-resets-per-window"), "server.http2.max-resets-per-window",
                        d.maxResetsPerWindow(), 1, 1_000_000),
                nodes.duration(map.get("reset-window"), "server.http2.reset-window", d.resetWindow()),
                !Boolean.FALSE.equals(nodes.bool(map.get("cleartext"), "server.http2.cleartext")));
    }

    /** What is wrong with a CIDR range or single address, or null. Literal addresses only: no DNS. */
    static String cidrProblem(String cidr) {
        int slash = cidr.indexOf('/');
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(slash < 0 ? cidr : cidr.substring(0, slash));
        if (bytes == null) {
            return "'" + cidr + "' is not an IP address or CIDR range (e.g. 10.0.0.0/8)";
        }
        if (slash >= 0) {
            try {
                int prefix = Integer.parseInt(cidr.substring(slash + 1));
                if (prefix < 0 || prefix > bytes.length * 8) {
                    return "'" + cidr + "': the prefix length must be 0.." + bytes.length * 8;
                }
            } catch (NumberFormatException e) {
                return "'" + cidr + "': the prefix length must be a number";
            }
        }
        return null;
    }
}
