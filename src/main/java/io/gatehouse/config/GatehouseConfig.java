package io.gatehouse.config;

import java.util.List;
import java.util.Map;

/**
 * A validated config file: immutable, and only ever built by {@link ConfigParser}.
 *
 * @param server   the {@code server:} section ({@link ServerConfig#DEFAULT} when the file has none)
 * @param sections what the features' {@link ConfigExtension}s read from their own top-level sections
 * @param document the file as loaded (its hash, its content with secrets redacted), for operators
 */
public record GatehouseConfig(Map<String, UpstreamConfig> upstreams, List<RouteConfig> routes, ServerConfig server,
                              FeatureSettings sections, ConfigDocument document) {

    /** A feature's section, or null when the file has none. */
    public <T> T section(ConfigKey<T> key) {
        return sections.get(key);
    }
}
