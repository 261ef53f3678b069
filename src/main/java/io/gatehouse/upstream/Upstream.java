package io.gatehouse.upstream;

import io.gatehouse.config.UpstreamConfig;

import java.util.List;

/** An upstream of one config snapshot: its targets, balancer and connection pools. Immutable. */
public record Upstream(UpstreamConfig config, List<Target> targets, Balancer balancer, UpstreamClient client) {
    public String name() {
        return config.name();
    }
}
