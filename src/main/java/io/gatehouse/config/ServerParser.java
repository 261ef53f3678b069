package io.gatehouse.config;

import io.netty.util.NetUtil;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The {@code server} section. Its other keys (DESIGN.md) arrive with their features and are refused until then. */
final class ServerParser {
    private static final Set<String> KEYS = Set.of("trusted-proxies", "proxy-protocol", "client-header-timeout",
            "client-body-timeout", "ip-rules", "max-connections-per-ip", "auto-ban", "tls", "cors", "response-headers");
    private static final Set<String> NOT_YET = Set.of("proxy-protocol", "client-header-timeout", "client-body-timeout",
            "ip-rules", "max-connections-per-ip", "auto-ban", "tls", "cors", "response-headers");

    private final ConfigNodes nodes;

    ServerParser(ConfigNodes nodes) {
        this.nodes = nodes;
    }

    ServerConfig server(Object node) {
        if (node == null) {
            return ServerConfig.DEFAULT;
        }
        Map<String, Object> map = nodes.mapping(node, "server", KEYS, NOT_YET);
        if (map == null) {
            return ServerConfig.DEFAULT;
        }
        List<String> trusted = new ArrayList<>();
        List<Object> list = nodes.list(map.get("trusted-proxies"), "server.trusted-proxies", false);
        if (list != null) {
            for (int i = 0; i < list.size(); i++) {
                String path = "server.trusted-proxies[" + i + "]";
                String cidr = nodes.string(list.get(i), path, true);
                if (cidr == null) {
                    continue;
                }
                String problem = cidrProblem(cidr.trim());
                if (problem != null) {
                    nodes.problem(path, problem);
                } else {
                    trusted.add(cidr.trim());
                }
            }
        }
        return new ServerConfig(List.copyOf(trusted));
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
