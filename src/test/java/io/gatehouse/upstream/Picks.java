package io.gatehouse.upstream;

import io.gatehouse.config.TargetConfig;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/** What the balancer tests share: targets, simulated load, and counting where the picks go. */
final class Picks {
    private Picks() {
    }

    static Target target(String host, int weight) {
        return new Target(new TargetConfig("http", host, 8080, weight));
    }

    /** Marks {@code inFlight} requests as started on the target. */
    static void load(Target t, int inFlight) {
        for (int i = 0; i < inFlight; i++) {
            t.requestStarted();
        }
    }

    /** How many of {@code picks} picks went to each target; a pick of nothing fails the test. */
    static Map<Target, Integer> count(Balancer balancer, int picks) {
        Map<Target, Integer> counts = new HashMap<>();
        for (int i = 0; i < picks; i++) {
            Target t = balancer.pick(null);
            assertNotNull(t, "pick " + i + " found no target");
            counts.merge(t, 1, Integer::sum);
        }
        return counts;
    }
}
