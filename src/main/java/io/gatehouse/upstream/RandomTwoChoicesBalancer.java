package io.gatehouse.upstream;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The power of two choices: draw two distinct available targets at random, each drawn in proportion to its
 * weight, and send the request to the one with fewer requests in flight per unit of weight (compared by
 * cross-multiplying, as {@link LeastConnectionsBalancer} does). On a tie the first draw wins, so idle targets
 * receive traffic in proportion to their weights. Most picks cost two random numbers and two binary searches;
 * only when draws keep landing on unavailable targets does a pick fall back to one pass over the targets.
 */
public final class RandomTwoChoicesBalancer implements Balancer {
    /** Draws tried before sampling exactly over the available targets. */
    private static final int FAST_DRAWS = 4;

    private final Target[] targets;
    /** cumulative[i] = sum of the weights of targets 0..i. */
    private final long[] cumulative;
    private final long totalWeight;

    public RandomTwoChoicesBalancer(List<Target> targets) {
        this.targets = targets.toArray(new Target[0]);
        this.cumulative = new long[this.targets.length];
        long sum = 0;
        for (int i = 0; i < this.targets.length; i++) {
            sum += Math.max(1, this.targets[i].weight());
            cumulative[i] = sum;
        }
        this.totalWeight = sum;
    }

    @Override
    public Target pick(String hashKey) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        Target first = draw(random, null);
        if (first == null) {
            return null;
        }
        Target second = draw(random, first);
        if (second == null) {
            return first;
        }
        long cmp = (long) second.inFlight() * Math.max(1, first.weight())
                - (long) first.inFlight() * Math.max(1, second.weight());
        return cmp < 0 ? second : first;
    }

    /** One available target other than {@code exclude}, drawn in proportion to weight; null when there is none. */
    private Target draw(ThreadLocalRandom random, Target exclude) {
        if (totalWeight == 0) {
            return null;
        }
        // Rejection sampling: a rejected draw is simply redrawn, which keeps the distribution exact.
        for (int i = 0; i < FAST_DRAWS; i++) {
            Target t = targets[indexOf(random.nextLong(totalWeight))];
            if (t != exclude && t.available()) {
                return t;
            }
        }
        // Most weight is unavailable or excluded: draw exactly over what is left.
        long available = 0;
        for (Target t : targets) {
            if (t != exclude && t.available()) {
                available += Math.max(1, t.weight());
            }
        }
        if (available == 0) {
            return null;
        }
        long r = random.nextLong(available);
        Target last = null;
        for (Target t : targets) {
            if (t != exclude && t.available()) {
                last = t;
                r -= Math.max(1, t.weight());
                if (r < 0) {
                    return t;
                }
            }
        }
        return last; // availability changed under us during the pass: any available one will do
    }

    /** The index of the target owning point r of [0, totalWeight): the first i with r < cumulative[i]. */
    private int indexOf(long r) {
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (r < cumulative[mid]) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }
}
