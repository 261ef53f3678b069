package io.gatehouse.testing;


import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;

/**
 * Starts three real upstreams (a, b, c) on free ports and a config file routing to them, and hands the file
 * to the gateway as {@code gatehouse.config}. Tests find the upstreams' URLs as {@code test.upstream.NAME}.
 */
public class GatewayTestResource extends UpstreamsTestResource {
    @Override
    protected String[] upstreamNames() {
        return new String[] {"a", "b", "c"};
    }

    @Override
    protected String config(Map<String, String> props) throws IOException {
        return config(url("a"), url("b"), url("c"), closedPort());
    }

    /**
     * A port nothing listens on, which stays free for the test to bind later if it wants. It comes from below the
     * kernel's ephemeral range: a port from {@code new ServerSocket(0)} is free only at that moment, because the
     * kernel hands the same range out to every later {@code bind(0)} and outgoing connection, so a "dead" upstream
     * could come alive as some test's client socket.
     */
    static int closedPort() throws IOException {
        int below = ephemeralRangeStart();
        for (int tries = 0; tries < 200; tries++) {
            int port = 10_000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(below - 10_000);
            try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException taken) {
                // a service of this machine has it: try another
            }
        }
        throw new IOException("no free port between 10000 and " + below);
    }

    private static int ephemeralRangeStart() {
        try {
            String range = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/net/ipv4/ip_local_port_range"));
            return Math.max(12_000, Integer.parseInt(range.trim().split("\\s+")[0]));
        } catch (IOException | RuntimeException notLinux) {
            return 32_768; // Linux's default start
        }
    }

    static String config(String a, String b, String c, int closedPort) {
        return """
                upstreams:
                  pair:
                    targets:
                      - url: %1$s
                        weight: 3
                      - url: %2$s
                  single:
                    targets:
                      - url: %3$s
                  dead:
                    targets:
                      - url: http://127.0.0.1:%4$d
                    connect-timeout: 500ms
                  slow:
                    targets:
                      - url: %3$s
                    timeout: 300ms
                routes:
                  - id: echo
                    path: /echo/**
                    upstream: single
                  - id: pair
                    path: /pair/**
                    upstream: pair
                    strip-prefix: /pair
                  - id: item
                    path: /shop/items/{id}
                    methods: [GET]
                    upstream: single
                    rewrite: /echo/v2/items/{id}
                  - id: shop
                    path: /shop/**
                    methods: [GET, POST]
                    upstream: single
                    rewrite: /echo/shop/{**}
                  - id: hosted-specific
                    path: /hosted/**
                    host: api.example.com
                    upstream: single
                    rewrite: /echo/host-specific/{**}
                  - id: hosted-any
                    path: /hosted/**
                    upstream: single
                    rewrite: /echo/host-any/{**}
                  - id: versioned-v2
                    path: /versioned
                    headers: {X-Api-Version: "2"}
                    upstream: single
                    rewrite: /echo/v2
                  - id: versioned
                    path: /versioned
                    upstream: single
                    rewrite: /echo/v1
                  - id: preserve-host
                    path: /keep-host/**
                    upstream: single
                    strip-prefix: /keep-host
                    preserve-host: true
                  - id: transfer
                    path: /transfer/**
                    upstream: single
                    strip-prefix: /transfer
                  - id: hop
                    path: /hop
                    upstream: single
                  - id: status
                    path: /status/{code}
                    upstream: single
                  - id: dead
                    path: /dead
                    upstream: dead
                  - id: slow
                    path: /slow
                    upstream: slow
                  - id: broken
                    path: /broken/**
                    upstream: single
                    strip-prefix: /broken
                    timeout: 300ms
                  - id: filtered
                    path: /filtered/**
                    upstream: single
                    strip-prefix: /filtered
                  - id: slow-route-timeout
                    path: /slow-route
                    upstream: single
                    rewrite: /slow
                    timeout: 200ms
                """.formatted(a, b, c, closedPort);
    }
}
