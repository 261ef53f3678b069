package io.gatehouse.upstream;

import io.gatehouse.config.UpstreamConfig;

import java.util.List;

/**
 * An upstream of one config snapshot: its targets, balancer, connection pools and passive health (null when
 * the upstream has no {@code outlier} section). Immutable.
 */
public record Upstream(UpstreamConfig config, List<Target> targets, Balancer balancer, UpstreamClient client,
                       OutlierDetector outlier) {
    public String name() {
        return config.name();
    }

    /** The proxy's report on one request to a target: feeds passive health. */
    public void outcome(Target target, boolean ok) {
        if (outlier != null) {
            if (ok) {
                outlier.success(target);
            } else {
                outlier.failure(target);
            }
        }
    }

    /** Targets a balancer may choose now. */
    public int availableTargets() {
        int n = 0;
        for (Target t : targets) {
            if (t.available()) {
                n++;
            }
        }
        return n;
    }
}
