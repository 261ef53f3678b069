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
 */
public record ServerConfig(List<String> trustedProxies, Http2Limits http2, java.time.Duration clientHeaderTimeout,
                           java.time.Duration clientBodyTimeout) {
    public static final java.time.Duration DEFAULT_CLIENT_HEADER_TIMEOUT = java.time.Duration.ofSeconds(10);
    public static final java.time.Duration DEFAULT_CLIENT_BODY_TIMEOUT = java.time.Duration.ofSeconds(30);
    public static final ServerConfig DEFAULT = new ServerConfig(List.of());

    public ServerConfig(List<String> trustedProxies) {
        this(trustedProxies, Http2Limits.DEFAULT, DEFAULT_CLIENT_HEADER_TIMEOUT, DEFAULT_CLIENT_BODY_TIMEOUT);
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
     */
    public record Http2Limits(int maxConcurrentStreams, long maxHeaderListSize, int maxResetsPerWindow,
                              java.time.Duration resetWindow) {
        public static final Http2Limits DEFAULT = new Http2Limits(100, 0, 200, java.time.Duration.ofSeconds(30));
    }
}
