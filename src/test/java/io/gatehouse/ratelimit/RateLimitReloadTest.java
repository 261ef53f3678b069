package io.gatehouse.ratelimit;

import io.gatehouse.config.ConfigParser;
import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.redis.RedisLink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/** A reload keeps the counters of the policies whose settings did not change, and only theirs. */
class RateLimitReloadTest {
    private static Vertx vertx;
    private static RateLimitFeature feature;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        RedisLink noRedis = new RedisLink(vertx, () -> {
            throw new IllegalStateException("no Redis here");
        }, false, Duration.ofMillis(50), Duration.ofSeconds(1), Duration.ofSeconds(2), new SimpleMeterRegistry(), 1);
        feature = new RateLimitFeature(noRedis, new SimpleMeterRegistry(), () -> null);
    }

    @AfterAll
    static void stop() {
        vertx.close();
    }

    private static GatehouseConfig config(String perUserLimit) throws Exception {
        return ConfigParser.parse("test.yaml", """
                upstreams:
                  u: {targets: [{url: "http://127.0.0.1:9"}]}
                routes:
                  - {id: r, path: /r, upstream: u, rate-limit: [per-user]}
                rate-limits:
                  per-ip: {key: ip, limits: [100/1m]}
                  per-user: {key: user, limits: [%s]}
                  defaults: {global: [per-ip]}
                """.formatted(perUserLimit), name -> null, List.of(new RateLimitConfigExtension(Optional.empty())));
    }

    @Test
    void unchangedPoliciesKeepTheirCountersChangedOnesStartAfresh() throws Exception {
        RateLimits first = feature.build(config("200/1m"), null);
        PolicyLimiter perIp = first.limiters().get("per-ip");
        Verdict v = new Verdict(perIp.config, perIp.config.limits());
        perIp.local.decide("ip:10.1.1.1", RateLimitStage.nowMicros(), 1, v);
        assertEquals(99, v.remaining[0]);

        RateLimits second = feature.build(config("300/1m"), first);
        assertSame(perIp, second.limiters().get("per-ip"), "per-ip did not change: same counters");
        assertNotSame(first.limiters().get("per-user"), second.limiters().get("per-user"), "per-user changed");
        Verdict after = new Verdict(perIp.config, perIp.config.limits());
        second.limiters().get("per-ip").local.peek("ip:10.1.1.1",
                RateLimitStage.nowMicros(), 1, after);
        assertEquals(99, after.remaining[0], "the count before the reload still stands");
        assertSame(first.top(), second.top(), "the most-limited keys survive a reload too");
    }
}
