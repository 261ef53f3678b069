package io.gatehouse.upstream;

import io.gatehouse.config.UpstreamConfig;

import java.util.List;

/**
 * An upstream of one config snapshot: its targets, balancer, connection pools, passive health (null when
 * the upstream has no {@code outlier} section) and retry budget (null without {@code retry}). Immutable.
 */
public record Upstream(UpstreamConfig config, List<Target> targets, Balancer balancer, UpstreamClient client,
                       OutlierDetector outlier, RetryBudget retryBudget) {
    public String name() {
        return config.name();
    }

    /** The proxy's report on one request to a target: feeds passive health. */
    public void outcome(Target target, boolean ok) {
        TargetMeters meters = target.state().meters;
        if (meters != null) {
            meters.outcome(ok);
        }
        if (outlier != null) {
            if (ok) {
                outlier.success(target);
            } else {
                outlier.failure(target);
            }
        }
    }

    /**
     * A target for another attempt, other than the one that just failed when the upstream has another one
     * available (a few picks are tried); null when there is none at all.
     */
    public Target pickOther(String hashKey, Target failed) {
        Target t = null;
        for (int i = 0; i < 4; i++) {
            t = balancer.pick(hashKey);
            if (t == null || t != failed) {
                return t;
            }
        }
        for (Target other : targets) {
            if (other != failed && other.available()) {
                return other;
            }
        }
        return t;
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
