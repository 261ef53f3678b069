package io.gatehouse.ratelimit;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The two algorithms against a clock the test moves, through the local store's lock-free counters. */
class AlgorithmsTest {
    private static final long S = 1_000_000; // µs

    static PolicyConfig policy(PolicyConfig.Algorithm algorithm, long burst, Duration banFor, String... limits) {
        return new PolicyConfig("p", new KeySpec(KeySpec.Kind.IP, null), algorithm,
                java.util.Arrays.stream(limits).map(Limit::parse).toList(), burst, "tier", Map.of(), banFor, false,
                PolicyConfig.Store.LOCAL, PolicyConfig.OnStoreFailure.LOCAL);
    }

    private static int passed(LocalCounters counters, PolicyConfig p, long at, int requests) {
        int passed = 0;
        for (int i = 0; i < requests; i++) {
            Verdict v = new Verdict(p, p.limits());
            counters.decide("k", at, 1, v);
            passed += v.allowed ? 1 : 0;
        }
        return passed;
    }

    @Test
    void theSlidingWindowWeighsThePreviousWindowByItsOverlap() {
        PolicyConfig p = policy(PolicyConfig.Algorithm.SLIDING_WINDOW, 0, null, "100/1m");
        LocalCounters c = new LocalCounters(p, 1000);
        long start = 1000 * 60 * S; // a window boundary
        assertEquals(100, passed(c, p, start + 30 * S, 150), "the whole count in one window, no more");
        // a fixed window would allow another 100 right after the edge; the sliding one 100 - 100 * (1 - 1/60) ≈ 1
        assertEquals(1, passed(c, p, start + 61 * S, 50));
        // half way into the next window half the previous count still weighs: 100 - 50 = 50, minus the one above
        assertEquals(49, passed(c, p, start + 90 * S, 100));
        // two windows later nothing weighs
        assertEquals(100, passed(c, p, start + 180 * S, 150));
    }

    @Test
    void atTheEdgeOfAWindowTheSlidingWindowLetsThroughAtMostAFewPercentMore() {
        PolicyConfig p = policy(PolicyConfig.Algorithm.SLIDING_WINDOW, 0, null, "1000/1m");
        LocalCounters c = new LocalCounters(p, 1000);
        long start = 5000 * 60 * S;
        // the classic fixed-window burst: the whole count at the end of one window, then again at the next start
        int first = passed(c, p, start + 59 * S, 2000);
        int second = passed(c, p, start + 61 * S, 2000);
        // in any 60 s (here: 2 s) a fixed window passes 2000; the sliding window at most the limit plus a few percent
        assertEquals(1000, first);
        assertTrue(first + second <= 1000 * 1.05, "passed " + (first + second) + " within 2 s");
    }

    @Test
    void gcraLetsTheBurstThroughAtOnceThenSpacesRequestsAtTheRate() {
        PolicyConfig p = policy(PolicyConfig.Algorithm.GCRA, 20, null, "10/1s");
        LocalCounters c = new LocalCounters(p, 1000);
        long t = 77 * S;
        assertEquals(20, passed(c, p, t, 50), "the burst");
        assertEquals(0, passed(c, p, t + 50_000, 5), "nothing before one interval (100 ms) has passed");
        assertEquals(1, passed(c, p, t + 100_000, 5), "one per interval after the burst");
        // over the next 10 s, steady: 10 per second
        int steady = 0;
        for (long at = t + 200_000; at <= t + 10 * S + 100_000; at += 50_000) {
            steady += passed(c, p, at, 1);
        }
        assertEquals(100, steady, "10 per second");
        Verdict refused = new Verdict(p, p.limits());
        c.decide("k", t + 10 * S + 120_000, 1, refused);
        assertFalse(refused.allowed);
        assertEquals(80_000, refused.retryAfterMicros, "until the next interval");
    }

    @Test
    void everyWindowOfAPolicyMustAllowARequest() {
        PolicyConfig p = policy(PolicyConfig.Algorithm.SLIDING_WINDOW, 0, null, "5/1s", "8/1m");
        LocalCounters c = new LocalCounters(p, 1000);
        long t = 600 * 60 * S;
        assertEquals(5, passed(c, p, t, 10));
        assertEquals(3, passed(c, p, t + 2 * S, 10), "the minute allows only 3 more");
        Verdict v = new Verdict(p, p.limits());
        c.decide("k", t + 3 * S, 1, v);
        assertFalse(v.allowed);
        assertEquals(1, v.tightest(), "the minute window is the one with nothing left");
        assertTrue(v.retryAfterMicros > 50 * S, "the minute window decides the wait: " + v.retryAfterMicros);
    }

    @Test
    void aClockReadingJustBeforeTheWindowAnotherLoopAlreadyCountsInDoesNotWipeIt() {
        PolicyConfig p = policy(PolicyConfig.Algorithm.SLIDING_WINDOW, 0, null, "10/1m");
        LocalCounters c = new LocalCounters(p, 1000);
        long edge = 900 * 60 * S;
        assertEquals(10, passed(c, p, edge + S, 10), "the next window is full");
        // a request whose time was read a microsecond before the edge, decided after those
        assertEquals(0, passed(c, p, edge - 1, 3), "counted in the window that is full, not taken for a fresh one");
        assertEquals(0, passed(c, p, edge + 2 * S, 3));
    }

    @Test
    void refusedRequestsDoNotCount() {
        PolicyConfig p = policy(PolicyConfig.Algorithm.SLIDING_WINDOW, 0, null, "10/1s");
        LocalCounters c = new LocalCounters(p, 1000);
        long t = 1_000_000 * S;
        assertEquals(10, passed(c, p, t, 1000));
        // a client that hammered 990 refused requests gets the full count in the window after next
        assertEquals(10, passed(c, p, t + 2 * S, 20));
    }

    @Test
    void aKeyThatExceedsABanningPolicyIsRefusedForTheBan() {
        PolicyConfig p = policy(PolicyConfig.Algorithm.SLIDING_WINDOW, 0, Duration.ofHours(1), "3/1s");
        LocalCounters c = new LocalCounters(p, 1000);
        long t = 50 * S;
        assertEquals(3, passed(c, p, t, 4));
        Verdict later = new Verdict(p, p.limits());
        c.decide("k", t + 10 * S, 1, later);
        assertFalse(later.allowed, "the window has long passed, the ban has not");
        assertTrue(later.banned);
        assertEquals(3600 * S - 10 * S, later.retryAfterMicros);
        assertEquals(3, passed(c, p, t + 3601 * S, 4), "after the ban the key starts afresh");
    }

    @Test
    void theFallbackShareDividesTheLimitByTheReplicas() {
        PolicyConfig p = policy(PolicyConfig.Algorithm.SLIDING_WINDOW, 0, null, "100/1m");
        LocalCounters c = new LocalCounters(p, 1000);
        int passed = 0;
        for (int i = 0; i < 100; i++) {
            Verdict v = new Verdict(p, p.limits());
            c.decide("k", 3600 * S, 4, v);
            passed += v.allowed ? 1 : 0;
            assertEquals(25, v.limit[0]);
        }
        assertEquals(25, passed);
    }

    @Test
    void concurrentRequestsOfOneKeyLoseNoCount() throws Exception {
        PolicyConfig p = policy(PolicyConfig.Algorithm.SLIDING_WINDOW, 0, null, "5000/1h");
        LocalCounters c = new LocalCounters(p, 1000);
        java.util.concurrent.atomic.AtomicInteger passed = new java.util.concurrent.atomic.AtomicInteger();
        List<Thread> threads = new java.util.ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 1000; i++) {
                    Verdict v = new Verdict(p, p.limits());
                    c.decide("k", 7200 * S + 1, 1, v);
                    if (v.allowed) {
                        passed.incrementAndGet();
                    }
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(5000, passed.get());
    }

    @Test
    void theLocalStoreHoldsAtMostItsKeys() {
        PolicyConfig p = policy(PolicyConfig.Algorithm.SLIDING_WINDOW, 0, null, "100/1m");
        LocalCounters c = new LocalCounters(p, 1000);
        for (int i = 0; i < 50_000; i++) {
            Verdict v = new Verdict(p, p.limits());
            c.decide("ip:" + i, 60 * S, 1, v);
        }
        c.cleanUp();
        assertTrue(c.size() <= 1000, "held " + c.size());
    }
}
