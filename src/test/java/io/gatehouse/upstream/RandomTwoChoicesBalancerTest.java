package io.gatehouse.upstream;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.gatehouse.upstream.Picks.target;
import static io.gatehouse.upstream.Picks.load;
import static io.gatehouse.upstream.Picks.count;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class RandomTwoChoicesBalancerTest {
    private static double share(Map<Target, Integer> counts, Target t, int picks) {
        return counts.getOrDefault(t, 0) / (double) picks;
    }

    @Test
    void lessLoadedTargetWinsEachPairSoTheBusiestIsNeverChosen() {
        Target idle = target("idle", 1);
        Target some = target("some", 1);
        Target busy = target("busy", 1);
        load(some, 5);
        load(busy, 10);
        int picks = 30_000;
        Map<Target, Integer> counts = count(new RandomTwoChoicesBalancer(List.of(idle, some, busy)), picks);
        // pairs {idle,some} {idle,busy} {some,busy} are equally likely; the less loaded of each wins
        assertEquals(2.0 / 3, share(counts, idle, picks), 0.02, "idle wins two pairs of three");
        assertEquals(1.0 / 3, share(counts, some, picks), 0.02, "some wins one pair of three");
        assertEquals(0, counts.getOrDefault(busy, 0), "the busiest loses every pair it is in");
    }

    @Test
    void loadIsComparedPerUnitOfWeight() {
        Target heavy = target("heavy", 4);
        Target light = target("light", 1);
        load(heavy, 3); // 3/4 per unit of weight
        load(light, 1); // 1/1
        Balancer balancer = new RandomTwoChoicesBalancer(List.of(heavy, light));
        for (int i = 0; i < 200; i++) {
            assertSame(heavy, balancer.pick(null));
        }
    }

    @Test
    void idleTargetsGetTrafficInProportionToWeight() {
        Target a = target("a", 3);
        Target b = target("b", 1);
        Target c = target("c", 2);
        int picks = 60_000;
        Map<Target, Integer> counts = count(new RandomTwoChoicesBalancer(List.of(a, b, c)), picks);
        assertEquals(0.5, share(counts, a, picks), 0.02, "a's share");
        assertEquals(1.0 / 6, share(counts, b, picks), 0.02, "b's share");
        assertEquals(2.0 / 6, share(counts, c, picks), 0.02, "c's share");
    }

    @Test
    void unavailableTargetsAreNeverPicked() {
        Target a = target("a", 1);
        Target b = target("b", 1);
        Target down1 = target("down1", 50);
        Target down2 = target("down2", 50);
        down1.available(false);
        down2.available(false);
        load(a, 3); // the unavailable ones are idle and heavy: the most tempting choices
        load(b, 3);
        int picks = 20_000;
        Map<Target, Integer> counts = count(new RandomTwoChoicesBalancer(List.of(down1, a, down2, b)), picks);
        assertEquals(Set.of(a, b), counts.keySet());
        assertEquals(0.5, share(counts, a, picks), 0.03, "the two left share equally");
    }

    @Test
    void oneAvailableTargetIsAlwaysPicked() {
        Target only = target("only", 1);
        Target down = target("down", 1);
        down.available(false);
        load(only, 100);
        Balancer balancer = new RandomTwoChoicesBalancer(List.of(only, down));
        for (int i = 0; i < 100; i++) {
            assertSame(only, balancer.pick(null));
        }
        assertSame(only, new RandomTwoChoicesBalancer(List.of(only)).pick(null), "a single target");
    }

    @Test
    void noAvailableTargetPicksNothing() {
        Target a = target("a", 1);
        Target b = target("b", 1);
        a.available(false);
        b.available(false);
        assertNull(new RandomTwoChoicesBalancer(List.of(a, b)).pick(null));
        assertNull(new RandomTwoChoicesBalancer(List.of()).pick(null));
    }

    @Test
    void availabilityRestoredBringsTheTargetBack() {
        Target a = target("a", 1);
        Target b = target("b", 1);
        a.available(false);
        Balancer balancer = new RandomTwoChoicesBalancer(List.of(a, b));
        assertSame(b, balancer.pick(null));
        a.available(true);
        load(b, 1);
        assertSame(a, balancer.pick(null), "back and idle: it wins against the loaded one");
    }

    @Test
    void concurrentPicksNeverFailAndNeverChooseAnUnavailableTarget() throws Exception {
        Target a = target("a", 5);
        Target b = target("b", 2);
        Target c = target("c", 1);
        Target down = target("down", 10);
        down.available(false);
        ConcurrentPicks.assertEveryPickAllowed(new RandomTwoChoicesBalancer(List.of(a, down, b, c)), Set.of(a, b, c), 8, 50_000);
    }
}
