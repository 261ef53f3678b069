package io.gatehouse.ratelimit;

import io.gatehouse.redis.RedisLink;
import io.gatehouse.testing.RedisServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Redis script against a real {@code redis-server}: the same decisions as {@link Algorithms} takes locally,
 * all or nothing per group, bans, keys that expire on their own, and the link's timeout, outage and return.
 * Windows are a day long where counts must be exact, so no test straddles a window edge in practice.
 */
class RedisCountersTest {
    private static RedisServer server;
    private static Vertx vertx;
    private static RedisLink link;
    private static RedisCounters counters;

    @BeforeAll
    static void start() throws Exception {
        server = RedisServer.start();
        vertx = Vertx.vertx();
        link = new RedisLink(vertx, () -> Redis.createClient(vertx, server.url()), true, Duration.ofMillis(200),
                Duration.ofMillis(100), Duration.ofSeconds(1), new SimpleMeterRegistry(), 2);
        counters = new RedisCounters(link);
        link.connect();
        awaitAvailable();
    }

    private static void awaitAvailable() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!link.available()) {
            assertTrue(System.nanoTime() < deadline, "Redis not reached");
            Thread.sleep(20);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        link.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        server.close();
    }

    private static PolicyConfig policy(String name, PolicyConfig.Algorithm algorithm, long burst, Duration banFor,
                                       boolean dryRun, String... limits) {
        return new PolicyConfig(name, new KeySpec(KeySpec.Kind.IP, null), algorithm,
                java.util.Arrays.stream(limits).map(Limit::parse).toList(), burst, "tier", Map.of(), banFor, dryRun,
                PolicyConfig.Store.REDIS, PolicyConfig.OnStoreFailure.LOCAL);
    }

    private static Verdict[] decide(String key, PolicyConfig... group) throws Exception {
        Verdict[] verdicts = new Verdict[group.length];
        for (int i = 0; i < group.length; i++) {
            verdicts[i] = new Verdict(group[i], group[i].limits());
        }
        counters.decide(key, verdicts).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        return verdicts;
    }

    @org.junit.jupiter.api.BeforeEach
    void linkIsUp() throws Exception {
        server.restart();
        awaitAvailable();
    }

    @Test
    void theScriptDecidesAsTheLocalStoreDoes() throws Exception {
        PolicyConfig redis = policy("same", PolicyConfig.Algorithm.SLIDING_WINDOW, 0, null, false, "5/1d", "7/31d");
        LocalCounters local = new LocalCounters(redis, 100);
        long now = RateLimitStage.nowMicros();
        for (int i = 0; i < 8; i++) {
            Verdict inRedis = decide("ip:10.0.0.1", redis)[0];
            Verdict here = new Verdict(redis, redis.limits());
            local.decide("ip:10.0.0.1", now, 1, here);
            assertEquals(here.allowed, inRedis.allowed, "request " + i);
            assertEquals(List.of(here.limit[0], here.remaining[0], here.limit[1], here.remaining[1]),
                    List.of(inRedis.limit[0], inRedis.remaining[0], inRedis.limit[1], inRedis.remaining[1]), "request " + i);
        }
        PolicyConfig gcra = policy("steady", PolicyConfig.Algorithm.GCRA, 3, null, false, "1/1h");
        LocalCounters localGcra = new LocalCounters(gcra, 100);
        for (int i = 0; i < 5; i++) {
            Verdict inRedis = decide("ip:10.0.0.1", gcra)[0];
            Verdict here = new Verdict(gcra, gcra.limits());
            localGcra.decide("ip:10.0.0.1", RateLimitStage.nowMicros(), 1, here);
            assertEquals(here.allowed, inRedis.allowed, "gcra request " + i);
            assertEquals(here.remaining[0], inRedis.remaining[0], "gcra request " + i);
            if (!inRedis.allowed) {
                assertTrue(Math.abs(here.retryAfterMicros - inRedis.retryAfterMicros) < 2_000_000,
                        here.retryAfterMicros + " vs " + inRedis.retryAfterMicros);
            }
        }
    }

    @Test
    void aPeekTellsWhatIsLeftNowAndCountsNothing() throws Exception {
        PolicyConfig p = policy("peeked", PolicyConfig.Algorithm.SLIDING_WINDOW, 0, null, false, "5/1d");
        PolicyConfig g = policy("peeked-gcra", PolicyConfig.Algorithm.GCRA, 4, null, false, "1/1h");
        decide("ip:10.0.0.7", p);
        decide("ip:10.0.0.7", p);
        decide("ip:10.0.0.7", g);
        for (int i = 0; i < 3; i++) {
            Verdict v = new Verdict(p, p.limits());
            Verdict vg = new Verdict(g, g.limits());
            counters.peek("ip:10.0.0.7", new Verdict[] {v}).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            counters.peek("ip:10.0.0.7", new Verdict[] {vg}).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertTrue(v.allowed && vg.allowed);
            assertEquals(3, v.remaining[0], "5 less the 2 counted");
            assertEquals(3, vg.remaining[0], "a burst of 4 less the 1 counted");
        }
        assertEquals(2, decide("ip:10.0.0.7", p)[0].remaining[0], "the peeks were not counted");
    }

    @Test
    void requestsQueuedBehindACallInFlightGoInOneCallAndGetWhatOneByOneWouldGive() throws Exception {
        PolicyConfig hot = policy("hot", PolicyConfig.Algorithm.SLIDING_WINDOW, 0, null, false, "7/1d", "100/31d");
        PolicyConfig trial = policy("hot-trial", PolicyConfig.Algorithm.SLIDING_WINDOW, 0, null, true, "3/1d");
        long callsBefore = scriptCalls();
        List<Verdict[]> verdicts = onOneEventLoop(20, () -> new Verdict[] {new Verdict(hot, hot.limits()),
                new Verdict(trial, trial.limits())}, "ip:10.0.1.1");
        for (int i = 0; i < 20; i++) {
            Verdict v = verdicts.get(i)[0];
            Verdict dry = verdicts.get(i)[1];
            assertEquals(i < 7, v.allowed, "request " + i + " (in the order they were sent)");
            assertEquals(i < 7 ? 6 - i : 0, v.remaining[0], "request " + i);
            assertEquals(i < 7 ? 99 - i : 93, v.remaining[1], "request " + i + ": refused ones count nowhere");
            assertEquals(i >= 7, v.retryAfterMicros > 0, "retry-after on refusals only: request " + i);
            assertEquals(i < 3, dry.allowed, "the dry run reports its own verdict: request " + i);
        }
        long calls = scriptCalls() - callsBefore;
        assertTrue(calls >= 2 && calls <= 3, "the first went alone, the 19 queued behind it in one more call: " + calls);
        // and the store holds exactly the seven counted
        Verdict after = decide("ip:10.0.1.1", hot)[0];
        assertFalse(after.allowed);
        assertEquals(93, after.remaining[1]);

        PolicyConfig steady = policy("hot-gcra", PolicyConfig.Algorithm.GCRA, 5, null, false, "1/1h");
        List<Verdict[]> gcra = onOneEventLoop(9, () -> new Verdict[] {new Verdict(steady, steady.limits())}, "ip:10.0.1.2");
        for (int i = 0; i < 9; i++) {
            assertEquals(i < 5, gcra.get(i)[0].allowed, "gcra request " + i + ": the burst of 5, then refused");
            assertEquals(i < 5 ? 4 - i : 0, gcra.get(i)[0].remaining[0], "gcra request " + i);
        }
    }

    @Test
    void inABatchAPolicyThatNeverRanOutNeitherRefusesNorBans() throws Exception {
        PolicyConfig narrow = policy("batch-narrow", PolicyConfig.Algorithm.SLIDING_WINDOW, 0, null, false, "2/1d");
        PolicyConfig banning = policy("batch-banning", PolicyConfig.Algorithm.SLIDING_WINDOW, 0, Duration.ofMinutes(10),
                false, "5/1d");
        List<Verdict[]> verdicts = onOneEventLoop(10, () -> new Verdict[] {new Verdict(narrow, narrow.limits()),
                new Verdict(banning, banning.limits())}, "ip:10.0.1.3");
        for (int i = 0; i < 10; i++) {
            assertEquals(i < 2, verdicts.get(i)[0].allowed, "narrow, request " + i);
            assertTrue(verdicts.get(i)[1].allowed, "one by one, 'batch-banning' counts 2 and allows every request: " + i);
            assertFalse(verdicts.get(i)[1].banned);
        }
        Verdict later = decide("ip:10.0.1.3", banning)[0];
        assertTrue(later.allowed && !later.banned, "no ban was started");
        assertEquals(2, later.remaining[0], "5 less the 2 the group passed and this one");
    }

    /** Sends {@code n} decisions from one event loop in one go, so all but the first queue behind it. */
    private static List<Verdict[]> onOneEventLoop(int n, java.util.function.Supplier<Verdict[]> verdicts, String key)
            throws Exception {
        java.util.concurrent.CompletableFuture<List<Verdict[]>> done = new java.util.concurrent.CompletableFuture<>();
        vertx.runOnContext(x -> {
            List<Verdict[]> all = new ArrayList<>();
            List<io.vertx.core.Future<Void>> calls = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Verdict[] v = verdicts.get();
                all.add(v);
                calls.add(counters.decide(key, v));
            }
            io.vertx.core.Future.all(calls).onComplete(ar -> {
                if (ar.succeeded()) {
                    done.complete(all);
                } else {
                    done.completeExceptionally(ar.cause());
                }
            });
        });
        return done.get(5, TimeUnit.SECONDS);
    }

    private static long scriptCalls() throws Exception {
        String info = link.send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.INFO).arg("commandstats"))
                .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS).toString();
        long calls = 0;
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:")) {
                calls += Long.parseLong(line.replaceAll("^[^:]*:calls=(\\d+),.*", "$1"));
            }
        }
        return calls;
    }

    @Test
    void aPolicySwitchedToAnotherAlgorithmNeverReadsTheOldKeys() throws Exception {
        PolicyConfig sliding = policy("switched", PolicyConfig.Algorithm.SLIDING_WINDOW, 0, null, false, "5/1d");
        PolicyConfig gcra = policy("switched", PolicyConfig.Algorithm.GCRA, 0, null, false, "5/1d");
        assertTrue(decide("ip:10.0.0.8", sliding)[0].allowed);
        assertTrue(decide("ip:10.0.0.8", gcra)[0].allowed, "no WRONGTYPE from the sliding window's hash");
        assertTrue(decide("ip:10.0.0.8", sliding)[0].allowed);
        assertTrue(link.available());
    }

    @Test
    void anErrorReplyFailsThatCallButIsNoOutage() throws Exception {
        PolicyConfig p = policy("typo", PolicyConfig.Algorithm.SLIDING_WINDOW, 0, null, false, "5/1d");
        // something else wrote a string where the script keeps a hash
        assertEquals("+OK", server.command("SET " + RedisCounters.keyPrefix("ip:10.0.0.9", "typo") + ":sw:86400 x"));
        java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.ExecutionException.class, () -> decide("ip:10.0.0.9", p));
        assertTrue(e.getCause().getMessage().contains("WRONGTYPE"), e.getCause().getMessage());
        assertTrue(link.available(), "Redis answered: it is up");
        assertTrue(decide("ip:10.0.0.10", p)[0].allowed, "other keys are decided in Redis as before");
    }

    @Test
    void aGroupIsDecidedAllOrNothing() throws Exception {
        PolicyConfig wide = policy("wide", PolicyConfig.Algorithm.SLIDING_WINDOW, 0, null, false, "5/1d");
        PolicyConfig narrow = policy("narrow", PolicyConfig.Algorithm.SLIDING_WINDOW, 0, null, false, "3/1d");
        int passed = 0;
        for (int i = 0; i < 5; i++) {
            Verdict[] v = decide("ip:10.0.0.2", wide, narrow);
            passed += v[0].allowed && v[1].allowed ? 1 : 0;
        }
        assertEquals(3, passed);
        // the two requests 'narrow' refused were not counted by 'wide' either
        int wideAlone = 0;
        for (int i = 0; i < 5; i++) {
            wideAlone += decide("ip:10.0.0.2", wide)[0].allowed ? 1 : 0;
        }
        assertEquals(2, wideAlone);
    }

    @Test
    void aDryRunPolicyNeverRefusesTheGroup() throws Exception {
        PolicyConfig real = policy("real", PolicyConfig.Algorithm.SLIDING_WINDOW, 0, null, false, "10/1d");
        PolicyConfig trial = policy("trial", PolicyConfig.Algorithm.SLIDING_WINDOW, 0, null, true, "2/1d");
        int realPassed = 0;
        int trialRefused = 0;
        for (int i = 0; i < 4; i++) {
            Verdict[] v = decide("ip:10.0.0.3", real, trial);
            realPassed += v[0].allowed ? 1 : 0;
            trialRefused += v[1].allowed ? 0 : 1;
        }
        assertEquals(4, realPassed);
        assertEquals(2, trialRefused);
    }

    @Test
    void aBanLastsItsTimeAndKeysExpireOnTheirOwn() throws Exception {
        PolicyConfig flood = policy("flood", PolicyConfig.Algorithm.SLIDING_WINDOW, 0, Duration.ofHours(1), false, "3/1d");
        for (int i = 0; i < 3; i++) {
            assertTrue(decide("ip:10.0.0.4", flood)[0].allowed);
        }
        Verdict banned = decide("ip:10.0.0.4", flood)[0];
        assertFalse(banned.allowed);
        assertTrue(banned.banned);
        assertEquals(3600, Verdict.seconds(banned.retryAfterMicros));
        Verdict still = decide("ip:10.0.0.4", flood)[0];
        assertTrue(still.banned && still.retryAfterMicros <= 3600_000_000L && still.retryAfterMicros > 3590_000_000L);
        String prefix = RedisCounters.keyPrefix("ip:10.0.0.4", "flood");
        assertEquals("gatehouse:rl:{ip:10.0.0.4}:flood", prefix, "the counted key is the Cluster hash tag");
        long banTtl = Long.parseLong(server.command("PTTL " + prefix + ":ban").substring(1));
        long windowTtl = Long.parseLong(server.command("PTTL " + prefix + ":sw:86400").substring(1));
        assertTrue(banTtl > 3_500_000 && banTtl <= 3_600_000, "ban " + banTtl);
        assertTrue(windowTtl > 86_400_000 && windowTtl <= 2 * 86_400_000 + 1000, "window " + windowTtl);
    }

    @Test
    void aFlushedScriptCacheIsReloadedNotTakenForAnOutage() throws Exception {
        PolicyConfig p = policy("flush", PolicyConfig.Algorithm.SLIDING_WINDOW, 0, null, false, "5/1d");
        assertTrue(decide("ip:10.0.0.5", p)[0].allowed);
        assertEquals("+OK", server.command("SCRIPT FLUSH"));
        Verdict v = decide("ip:10.0.0.5", p)[0];
        assertTrue(v.allowed);
        assertEquals(3, v.remaining[0]);
        assertTrue(link.available());
    }

    @Test
    void whenRedisDiesCallsFailFastTheLinkReportsItAndComesBackByItself() throws Exception {
        PolicyConfig p = policy("outage", PolicyConfig.Algorithm.SLIDING_WINDOW, 0, null, false, "5/1d");
        assertTrue(decide("ip:10.0.0.6", p)[0].allowed);
        server.kill();
        try {
            long start = System.nanoTime();
            List<Throwable> failures = new ArrayList<>();
            try {
                decide("ip:10.0.0.6", p);
            } catch (java.util.concurrent.ExecutionException e) {
                failures.add(e.getCause());
            }
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(1, failures.size(), "the call fails");
            assertTrue(took < 1000, "within the timeout: " + took + " ms");
            assertFalse(link.available());
        } finally {
            server.restart();
        }
        awaitAvailable(); // the probe finds it back
        assertTrue(decide("ip:10.0.0.6", p)[0].allowed, "used again (a fresh Redis: nothing was persisted)");
    }
}
