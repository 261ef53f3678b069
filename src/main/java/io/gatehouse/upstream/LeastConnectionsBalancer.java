package io.gatehouse.upstream;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Sends each request to the available target with the fewest requests in flight per unit of weight: a weight 3
 * target with 3 in flight is as loaded as a weight 1 target with 1. Loads are compared by cross-multiplying
 * ({@code inFlight_a * weight_b} against {@code inFlight_b * weight_a}), so there is no division and no rounding.
 * Equally loaded targets share the traffic at random (reservoir sampling over the ties), so idle targets do not
 * all go to the first one listed. A pick is one pass over the targets reading atomics: no lock, no allocation.
 */
public final class LeastConnectionsBalancer implements Balancer {
    private final Target[] targets;

    public LeastConnectionsBalancer(List<Target> targets) {
        this.targets = targets.toArray(new Target[0]);
    }

    @Override
    public Target pick(String hashKey) {
        Target best = null;
        long bestInFlight = 0;
        long bestWeight = 1;
        int ties = 0;
        for (Target t : targets) {
            if (!t.available()) {
                continue;
            }
            long inFlight = t.inFlight();
            long weight = t.weight();
            if (best == null) {
                best = t;
                bestInFlight = inFlight;
                bestWeight = weight;
                ties = 1;
                continue;
            }
            long cmp = inFlight * bestWeight - bestInFlight * weight;
            if (cmp < 0) {
                best = t;
                bestInFlight = inFlight;
                bestWeight = weight;
                ties = 1;
            } else if (cmp == 0 && ThreadLocalRandom.current().nextInt(++ties) == 0) {
                // the k-th of k equals replaces the choice with probability 1/k: each ends up chosen with 1/k
                best = t;
                bestInFlight = inFlight;
                bestWeight = weight;
            }
        }
        return best;
    }
}
