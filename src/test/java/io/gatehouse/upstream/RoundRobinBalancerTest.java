package io.gatehouse.upstream;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import static io.gatehouse.upstream.Picks.count;
import static io.gatehouse.upstream.Picks.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoundRobinBalancerTest {
    private static String picks(Balancer balancer, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(balancer.pick(null).host());
        }
        return sb.toString();
    }

    @Test
    void weightsThreeToOneGiveThreeToOneWithinTwoPercent() {
        Target a = target("a", 3);
        Target b = target("b", 1);
        RoundRobinBalancer balancer = new RoundRobinBalancer(List.of(a, b));
        int picks = 40_000;
        Map<Target, Integer> counts = count(balancer, picks);
        double shareA = counts.get(a) / (double) picks;
        double shareB = counts.get(b) / (double) picks;
        assertEquals(0.75, shareA, 0.02, "a's share");
        assertEquals(0.25, shareB, 0.02, "b's share");
    }

    @Test
    void smoothOrderSpreadsTheHeavyTargetInsteadOfRunningIt() {
        RoundRobinBalancer balancer = new RoundRobinBalancer(List.of(target("a", 5), target("b", 1), target("c", 1)));
        assertEquals("aabacaa" + "aabacaa" + "aabacaa", picks(balancer, 21));
    }

    @Test
    void noTargetRunsLongerThanItsWeightRequires() {
        RoundRobinBalancer balancer = new RoundRobinBalancer(List.of(target("a", 10), target("b", 10), target("c", 1)));
        String order = picks(balancer, 21 * 10);
        assertTrue(!order.contains("aaa") && !order.contains("bbb"), "runs of three: " + order);
    }

    @Test
    void equalWeightsAlternate() {
        assertEquals("abababab", picks(new RoundRobinBalancer(List.of(target("a", 1), target("b", 1))), 8));
        assertEquals("abcabcabc", picks(new RoundRobinBalancer(List.of(target("a", 4), target("b", 4), target("c", 4))), 9),
                "equal weights above one also alternate (the common factor is removed)");
    }

    @Test
    void singleTargetIsAlwaysPicked() {
        Target only = target("only", 7);
        RoundRobinBalancer balancer = new RoundRobinBalancer(List.of(only));
        for (int i = 0; i < 10; i++) {
            assertSame(only, balancer.pick(null));
        }
    }

    @Test
    void unavailableTargetIsSkippedAndItsShareGoesToTheOthers() {
        Target a = target("a", 2);
        Target b = target("b", 1);
        Target c = target("c", 1);
        RoundRobinBalancer balancer = new RoundRobinBalancer(List.of(a, b, c));
        b.available(false);
        int picks = 40_000;
        Map<Target, Integer> counts = count(balancer, picks);
        assertEquals(0, counts.getOrDefault(b, 0), "the unavailable target gets nothing");
        assertEquals(picks, counts.getOrDefault(a, 0) + counts.getOrDefault(c, 0), "every pick went to an available target");
        // b's turns pass to the next turn's target; between them a and c take all of b's quarter
        assertTrue(counts.get(a) >= picks / 2 && counts.get(c) >= picks / 4, "a " + counts.get(a) + ", c " + counts.get(c));

        b.available(true);
        counts = count(balancer, 4_000);
        assertEquals(1_000, counts.getOrDefault(b, 0), "available again: its quarter comes back");
    }

    @Test
    void withEqualWeightsAnUnavailableTargetsShareIsSplitEvenly() {
        Target a = target("a", 1);
        Target b = target("b", 1);
        Target c = target("c", 1);
        Target d = target("d", 1);
        RoundRobinBalancer balancer = new RoundRobinBalancer(List.of(a, b, c, d));
        b.available(false);
        Map<Target, Integer> counts = count(balancer, 30_000);
        // not c taking b's turns on top of its own (20,000 against 5,000 each for a and d)
        assertEquals(10_000, counts.get(a));
        assertEquals(10_000, counts.get(c));
        assertEquals(10_000, counts.get(d));
    }

    @Test
    void concurrentPickersNeverGetNothingWhileATargetIsAvailable() throws Exception {
        Target a = target("a", 1);
        Target b = target("b", 1);
        RoundRobinBalancer balancer = new RoundRobinBalancer(List.of(a, b));
        a.available(false);
        // With pickers taking turns between each other's draws, one picker can draw a's position every time;
        // it must then walk on to b rather than give up.
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> wrong = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                wrong.add(pool.submit(() -> {
                    int misses = 0;
                    for (int i = 0; i < 200_000; i++) {
                        if (balancer.pick(null) != b) {
                            misses++;
                        }
                    }
                    return misses;
                }));
            }
            for (Future<Integer> f : wrong) {
                assertEquals(0, f.get(30, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void everyTargetUnavailablePicksNothing() {
        Target a = target("a", 1);
        Target b = target("b", 3);
        a.available(false);
        b.available(false);
        assertNull(new RoundRobinBalancer(List.of(a, b)).pick(null));
    }

    @Test
    void noTargetsPicksNothing() {
        assertNull(new RoundRobinBalancer(List.of()).pick(null));
    }

    @Test
    void heavyWeightsOverManyTargetsKeepTheirShares() {
        // 25 targets of weight 997 and one of weight 1: a cycle longer than MAX_CYCLE is scaled down.
        List<Target> targets = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            targets.add(target("t" + i, 997));
        }
        Target light = target("light", 1);
        targets.add(light);
        RoundRobinBalancer balancer = new RoundRobinBalancer(targets);
        int picks = 200_000;
        Map<Target, Integer> counts = count(balancer, picks);
        for (int i = 0; i < 25; i++) {
            assertEquals(1.0 / 25, counts.get(targets.get(i)) / (double) picks, 0.002, "share of t" + i);
        }
        assertTrue(counts.getOrDefault(light, 0) > 0, "a light target still gets some traffic");
    }

    @Test
    void concurrentPicksLoseNoUpdatesAndMatchWeightsExactly() throws Exception {
        Target a = target("a", 5);
        Target b = target("b", 2);
        Target c = target("c", 1);
        RoundRobinBalancer balancer = new RoundRobinBalancer(List.of(a, b, c));
        int threads = 8;
        int perThread = 50_000; // 400,000 picks = 50,000 full cycles of 8
        Map<Target, LongAdder> counts = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    Map<Target, Integer> local = new HashMap<>();
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        local.merge(balancer.pick(null), 1, Integer::sum);
                    }
                    local.forEach((target, n) -> counts.computeIfAbsent(target, k -> new LongAdder()).add(n));
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        long cycles = (long) threads * perThread / 8;
        assertEquals(5 * cycles, counts.get(a).sum());
        assertEquals(2 * cycles, counts.get(b).sum());
        assertEquals(cycles, counts.get(c).sum());
    }
}
