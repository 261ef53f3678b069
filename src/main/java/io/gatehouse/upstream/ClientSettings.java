package io.gatehouse.upstream;

import io.gatehouse.config.UpstreamConfig;

import java.time.Duration;

/** What decides the shape of an upstream's connection pools: upstreams whose settings did not change keep theirs across a reload. */
record ClientSettings(String upstream, Duration connectTimeout, int maxConnections, UpstreamConfig.UpstreamTls tls) {
    static ClientSettings of(UpstreamConfig config) {
        return new ClientSettings(config.name(), config.connectTimeout(), config.maxConnections(), config.tls());
    }
}
