package io.gatehouse.upstream;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Smooth weighted round robin, as nginx does it: weights 5:1:1 give a a b a c a a rather than a a a a a b c.
 * The whole cycle is computed once when the upstream is built, so a pick is one atomic increment and an
 * array read, with no lock shared between event loops.
 */
public final class RoundRobinBalancer implements Balancer {
    /** Cycles longer than this are shortened (weights scaled down); the share of each target barely moves. */
    static final int MAX_CYCLE = 10_000;

    private final Target[] cycle;
    private final AtomicInteger next = new AtomicInteger();

    public RoundRobinBalancer(List<Target> targets) {
        this.cycle = smoothCycle(targets);
    }

    @Override
    public Target pick(String hashKey) {
        int n = cycle.length;
        if (n == 0) {
            return null;
        }
        // An unavailable target's turn is passed on by taking the next turn from the shared counter, so its
        // share spreads over the others as the cycle spreads them. (Walking on from its position instead would
        // hand every one of its turns to the single target after it: with three equal targets and one down,
        // one of the two left would get twice the other's load.)
        int i = 0;
        for (int tries = 0; tries < n; tries++) {
            i = (next.getAndIncrement() & Integer.MAX_VALUE) % n;
            Target t = cycle[i];
            if (t.available()) {
                return t;
            }
        }
        // Other event loops took turns in between, so not every position was seen: walk the cycle once.
        for (int tries = 1; tries < n; tries++) {
            Target t = cycle[(i + tries) % n];
            if (t.available()) {
                return t;
            }
        }
        return null;
    }

    static Target[] smoothCycle(List<Target> targets) {
        int n = targets.size();
        int[] weights = new int[n];
        int gcd = 0;
        for (int i = 0; i < n; i++) {
            weights[i] = targets.get(i).weight();
            gcd = gcd(gcd, weights[i]);
        }
        long total = 0;
        for (int i = 0; i < n; i++) {
            weights[i] /= Math.max(gcd, 1);
            total += weights[i];
        }
        if (total > MAX_CYCLE) {
            double scale = (double) MAX_CYCLE / total;
            total = 0;
            for (int i = 0; i < n; i++) {
                weights[i] = Math.max(1, (int) Math.round(weights[i] * scale));
                total += weights[i];
            }
        }
        Target[] cycle = new Target[(int) total];
        int[] current = new int[n];
        for (int step = 0; step < cycle.length; step++) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                current[i] += weights[i];
                if (best < 0 || current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= (int) total;
            cycle[step] = targets.get(best);
        }
        return cycle;
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
