package io.gatehouse.edge;

import io.gatehouse.config.ConfigException;
import io.gatehouse.config.ConfigParser;
import io.gatehouse.config.GatehouseConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The edge keys: read as written, and refused with their key paths. */
class EdgeConfigTest {
    private static GatehouseConfig parse(String yaml) throws ConfigException {
        return ConfigParser.parse("test", yaml, List.of(new EdgeConfigExtension()));
    }

    @Test
    void theServerAndRouteKeysAreRead() throws Exception {
        GatehouseConfig c = parse("""
                server:
                  ip-rules: {allow: [10.0.0.0/8, "2001:db8::/32"], deny: [10.0.0.7]}
                  max-connections-per-ip: 50
                  proxy-protocol: true
                upstreams:
                  u: {targets: [{url: http://127.0.0.1:1}]}
                routes:
                  - {id: r, path: /r/**, upstream: u, ip-rules: {deny: [10.1.0.0/16]},
                     limits: {max-body-size: 10MB, max-header-size: 32KB, max-url-length: 4096, content-types: [Application/JSON]}}
                """);
        assertEquals(List.of("10.0.0.0/8", "2001:db8::/32"), c.server().ipRules().allow());
        assertEquals(50, c.server().maxConnectionsPerIp());
        assertTrue(c.server().proxyProtocol());
        EdgeConfigExtension.RouteEdge edge = EdgeConfigExtension.of(c.routes().get(0));
        assertEquals(List.of("10.1.0.0/16"), edge.ipRules().deny());
        assertEquals(10L * 1024 * 1024, edge.maxBodyBytes());
        assertEquals(32L * 1024, edge.maxHeaderBytes());
        assertEquals(4096, edge.maxUrlLength());
        assertEquals(List.of("application/json"), edge.contentTypes());
    }

    @Test
    void badValuesAreRefusedWithTheirKeyPaths() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("""
                server:
                  ip-rules: {allow: [10.0.0.0/33], block: [1.2.3.4]}
                  max-connections-per-ip: 0
                upstreams:
                  u: {targets: [{url: http://127.0.0.1:1}]}
                routes:
                  - {id: r, path: /r/**, upstream: u, ip-rules: {deny: [example.com]},
                     limits: {max-url-length: 5, content-types: [json], max-body: 1}}
                """));
        String all = String.join("\\n", e.problems());
        for (String path : List.of("server.ip-rules.allow[0]", "server.ip-rules.block", "server.max-connections-per-ip",
                "routes[0].ip-rules.deny[0]", "routes[0].limits.max-url-length", "routes[0].limits.content-types[0]",
                "routes[0].limits.max-body")) {
            assertTrue(all.contains(path), path + " in " + all);
        }
    }
}
