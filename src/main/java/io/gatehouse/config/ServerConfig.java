package io.gatehouse.config;

import java.util.List;

/**
 * The {@code server:} section: the traffic port's edge.
 *
 * @param trustedProxies CIDR ranges ({@code 10.0.0.0/8}, {@code 2001:db8::/32}) or single addresses of the proxies
 *                       whose forwarding headers are believed; empty: none
 */
public record ServerConfig(List<String> trustedProxies) {
    public static final ServerConfig DEFAULT = new ServerConfig(List.of());
}
