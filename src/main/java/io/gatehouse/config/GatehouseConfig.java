package io.gatehouse.config;

import java.util.List;
import java.util.Map;

/**
 * A validated config file: immutable, and only ever built by {@link ConfigParser}.
 *
 * @param auth   the {@code auth:} section, or null when the file has none
 * @param server the {@code server:} section ({@link ServerConfig#DEFAULT} when the file has none)
 */
public record GatehouseConfig(Map<String, UpstreamConfig> upstreams, List<RouteConfig> routes, AuthConfig auth,
                              ServerConfig server) {
}
