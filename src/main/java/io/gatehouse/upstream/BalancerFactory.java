package io.gatehouse.upstream;

import io.gatehouse.config.UpstreamConfig;

import java.util.List;

/** Turns an upstream's {@code balancer:} setting into its balancer. */
final class BalancerFactory {
    private BalancerFactory() {
    }

    static Balancer create(UpstreamConfig config, List<Target> targets) {
        return switch (config.balancer()) {
            case UpstreamConfig.ROUND_ROBIN -> new RoundRobinBalancer(targets);
            case UpstreamConfig.LEAST_CONNECTIONS -> new LeastConnectionsBalancer(targets);
            case UpstreamConfig.RANDOM_TWO_CHOICES -> new RandomTwoChoicesBalancer(targets);
            case UpstreamConfig.CONSISTENT_HASH -> new ConsistentHashBalancer(targets);
            // the parser refuses every other name until its balancer exists
            default -> throw new IllegalStateException("no balancer '" + config.balancer() + "'");
        };
    }
}
