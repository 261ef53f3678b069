package io.gatehouse.config;

import java.util.List;

/**
 * The {@code server:} section: the traffic port's edge.
 *
 * @param trustedProxies CIDR ranges ({@code 10.0.0.0/8}, {@code 2001:db8::/32}) or single addresses of the proxies
 *                       whose forwarding headers are believed; empty: none
 * @param http2          {@code server.http2}: the limits an HTTP/2 client is held to
 * @param clientHeaderTimeout {@code server.client-header-timeout}: from the first byte of a request head to its end
 * @param clientBodyTimeout   {@code server.client-body-timeout}: the longest a client may pause its request body
 *                            (a pause the gateway asked for, because the upstream is slow to read, does not count)
 * @param ipRules        {@code server.ip-rules}: which client addresses may use the gateway at all
 * @param maxConnectionsPerIp {@code server.max-connections-per-ip}: open connections one peer address may hold;
 *                            0 = no limit
 * @param proxyProtocol  {@code server.proxy-protocol}: every connection starts with a PROXY protocol v1/v2 header
 *                       (behind an L4 load balancer); a listener setting, applied at start
 * @param tls            {@code server.tls}: the TLS port, its certificates and client certificates; null = no TLS
 */
public record ServerConfig(List<String> trustedProxies, Http2Limits http2, java.time.Duration clientHeaderTimeout,
                           java.time.Duration clientBodyTimeout, IpRulesConfig ipRules, int maxConnectionsPerIp,
                           boolean proxyProtocol, TlsConfig tls) {
    public static final java.time.Duration DEFAULT_CLIENT_HEADER_TIMEOUT = java.time.Duration.ofSeconds(10);
    public static final java.time.Duration DEFAULT_CLIENT_BODY_TIMEOUT = java.time.Duration.ofSeconds(30);
    public static final ServerConfig DEFAULT = new ServerConfig(List.of());

    public ServerConfig(List<String> trustedProxies) {
        this(trustedProxies, Http2Limits.DEFAULT, DEFAULT_CLIENT_HEADER_TIMEOUT, DEFAULT_CLIENT_BODY_TIMEOUT,
                IpRulesConfig.NONE, 0, false, null);
    }

    /**
     * {@code ip-rules} (under {@code server:} and on a route): CIDR ranges or single addresses. An address in
     * {@code deny} is refused; when {@code allow} is not empty, an address outside it is refused too.
     */
    public record IpRulesConfig(List<String> allow, List<String> deny) {
        public static final IpRulesConfig NONE = new IpRulesConfig(List.of(), List.of());

        public boolean isEmpty() {
            return allow.isEmpty() && deny.isEmpty();
        }
    }

    /**
     * {@code server.http2}: what one HTTP/2 connection may demand. Listener settings: they apply when the traffic
     * port opens, so a change takes a restart.
     *
     * @param maxConcurrentStreams streams a client may have open at once (more are refused with REFUSED_STREAM)
     * @param maxHeaderListSize    the decoded header list of one request, in bytes; 0 = the HTTP/1 header limit
     *                             ({@code quarkus.http.limits.max-header-size})
     * @param maxResetsPerWindow   client stream resets tolerated per window before the connection is closed
     *                             (the rapid-reset flood, CVE-2023-44487)
     * @param resetWindow          that window
     * @param cleartext            HTTP/2 over cleartext (h2c: prior knowledge and Upgrade) on the traffic port; off,
     *                             the gateway sees each connection as it opens, so the first request head is timed
     *                             by {@code client-header-timeout} and every connection counts against
     *                             {@code max-connections-per-ip} from its first moment
     */
    public record Http2Limits(int maxConcurrentStreams, long maxHeaderListSize, int maxResetsPerWindow,
                              java.time.Duration resetWindow, boolean cleartext) {
        public static final Http2Limits DEFAULT = new Http2Limits(100, 0, 200, java.time.Duration.ofSeconds(30), true);

        public Http2Limits(int maxConcurrentStreams, long maxHeaderListSize, int maxResetsPerWindow,
                           java.time.Duration resetWindow) {
            this(maxConcurrentStreams, maxHeaderListSize, maxResetsPerWindow, resetWindow, true);
        }
    }
}
