package io.gatehouse.upstream;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Drives a balancer from many threads at once, as the event loops do, and counts bad picks. */
final class ConcurrentPicks {
    private ConcurrentPicks() {
    }

    /**
     * threads x perThread picks; each picked target is held in flight for the pick (requestStarted/Ended), so
     * load-aware balancers see loads change under them. Fails on any exception or on a pick outside {@code allowed}.
     */
    static void assertEveryPickAllowed(Balancer balancer, Set<Target> allowed, int threads, int perThread) throws Exception {
        AtomicLong bad = new AtomicLong();
        AtomicLong total = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    long localBad = 0;
                    for (int i = 0; i < perThread; i++) {
                        Target picked = balancer.pick("key-" + thread + "-" + (i % 1000));
                        if (picked == null || !allowed.contains(picked)) {
                            localBad++;
                            continue;
                        }
                        picked.requestStarted();
                        picked.requestEnded();
                    }
                    bad.addAndGet(localBad);
                    total.addAndGet(perThread);
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS); // rethrows anything a picking thread threw
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals((long) threads * perThread, total.get(), "picks made");
        assertEquals(0, bad.get(), "picks that were null or an unavailable target");
        for (Target t : allowed) {
            assertEquals(0, t.inFlight(), "in flight left on " + t);
        }
    }
}
