package io.gatehouse.ratelimit;

import io.gatehouse.config.ConfigParser;
import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.redis.RedisLink;
import io.gatehouse.testing.RedisServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The replica heartbeat runs only while some policy falls back by it ({@code store: redis},
 * {@code on-store-failure: local}): a reload that removes the last one stops it, one that brings one back starts
 * it again. Seen from a real Redis: the replica's entry, and how many scripts it runs.
 */
class RedisHeartbeatReloadTest {
    private static RedisServer server;
    private static Vertx vertx;
    private static RedisLink link;
    private static RateLimitFeature feature;

    @BeforeAll
    static void start() throws Exception {
        server = RedisServer.start();
        vertx = Vertx.vertx();
        link = new RedisLink(vertx, () -> Redis.createClient(vertx, server.url()), true, Duration.ofSeconds(1),
                Duration.ofMillis(100), Duration.ofMillis(100), new SimpleMeterRegistry(), 1);
        feature = new RateLimitFeature(link, new SimpleMeterRegistry(), () -> null);
    }

    @AfterAll
    static void stop() throws Exception {
        link.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        server.close();
    }

    private static GatehouseConfig config(String policy) throws Exception {
        return ConfigParser.parse("test.yaml", """
                upstreams:
                  u: {targets: [{url: "http://127.0.0.1:9"}]}
                routes:
                  - {id: r, path: /r, upstream: u, rate-limit: [p]}
                rate-limits:
                  p: %s
                """.formatted(policy), name -> null,
                List.of(new RateLimitConfigExtension(Optional.of(server.url()))));
    }

    /** How many EVALs Redis ran: the heartbeat is the only one here. */
    private static long evals() {
        Matcher m = Pattern.compile("cmdstat_eval:calls=(\\d+)").matcher(server.cli("info", "commandstats"));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.sleep(20);
        }
    }

    private static boolean registered() {
        return server.cli("zscore", "gatehouse:replicas", link.replicaId()).matches("\\d+");
    }

    /** Built, then installed: what a reload does (the snapshot-installed event runs the feature's observer). */
    private static RateLimits installed(io.gatehouse.config.GatehouseConfig config, RateLimits previous) {
        RateLimits built = feature.build(config, previous);
        feature.followHeartbeat(built);
        return built;
    }

    @Test
    void aReloadWithoutPoliciesThatNeedItStopsTheHeartbeatAndOneWithSuchAPolicyStartsItAgain() throws Exception {
        RateLimits first = installed(config("{key: ip, limits: [10/1m], store: redis, on-store-failure: local}"), null);
        assertTrue(link.keepsHeartbeat());
        await("the replica beats", RedisHeartbeatReloadTest::registered);
        long before = evals();
        await("it beats every interval", () -> evals() >= before + 3);

        // the policy now counts here: nothing in Redis needs the heartbeat
        // built but never installed (a reload refused at a later step): the running config keeps its heartbeat
        feature.build(config("{key: ip, limits: [10/1m], store: local}"), first);
        assertTrue(link.keepsHeartbeat(), "a snapshot that was only built changes nothing");
        assertTrue(registered());

        RateLimits second = installed(config("{key: ip, limits: [10/1m], store: local}"), first);
        assertFalse(link.keepsHeartbeat());
        await("the replica's entry is removed", () -> !registered());
        long stopped = evals();
        Thread.sleep(1000); // ten intervals
        assertEquals(stopped, evals(), "no heartbeat script ran after the reload");

        // in Redis but open when Redis is away: still nothing divides the limit by the replicas
        RateLimits third = installed(config("{key: ip, limits: [10/1m], store: redis, on-store-failure: open}"), second);
        assertFalse(link.keepsHeartbeat());
        Thread.sleep(500);
        assertEquals(stopped, evals(), "no heartbeat script ran");

        installed(config("{key: ip, limits: [10/1m], store: redis, on-store-failure: local}"), third);
        assertTrue(link.keepsHeartbeat());
        await("the replica beats again", RedisHeartbeatReloadTest::registered);
        await("every interval", () -> evals() >= stopped + 3);
        assertEquals(1, link.replicas());
    }
}
