package io.gatehouse.ratelimit;

import io.gatehouse.config.ConfigException;
import io.gatehouse.config.ConfigParser;
import io.gatehouse.config.GatehouseConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code rate-limits} and a route's {@code rate-limit}: what is read, and each mistake by its key path. */
class RateLimitConfigTest {
    private static final String BASE = """
            upstreams:
              u: {targets: [{url: "http://127.0.0.1:9"}]}
            """;

    private static GatehouseConfig parse(String yaml, boolean redis) throws ConfigException {
        return ConfigParser.parse("test.yaml", BASE + yaml, name -> null,
                List.of(new RateLimitConfigExtension(redis ? Optional.of("redis://127.0.0.1:6379") : Optional.empty())));
    }

    private static List<String> problems(String yaml) {
        return assertThrows(ConfigException.class, () -> parse(yaml, false)).problems();
    }

    private static void assertProblem(List<String> problems, String prefix) {
        assertTrue(problems.stream().anyMatch(p -> p.startsWith(prefix)), "no <" + prefix + "> in " + problems);
    }

    @Test
    void theDesignsExampleReads() throws Exception {
        GatehouseConfig config = parse("""
                rate-limits:
                  per-ip:   {key: ip,   limits: [100/1m]}
                  per-user: {key: user, limits: [200/1m]}
                  chat-send: {key: user, limits: [10/1s], algorithm: gcra, burst: 20}
                  flood:    {key: ip, limits: [10000/1m], ban-for: 1h}
                  new-limit: {key: ip, limits: [50/1m], dry-run: true}
                  by-tier:
                    key: user
                    tier-claim: plan
                    tiers:
                      free:       [60/1m, 1000/1h, 10000/1d]
                      premium:    [1000/1m, 50000/1h, 1000000/1d]
                      default:    [60/1m]
                  partner: {key: "header:X-Partner", limits: 5/1s, store: redis, on-store-failure: closed}
                  defaults:
                    algorithm: sliding-window
                    global: [per-ip, flood]
                    headers: draft
                    max-keys: 5000
                  status-endpoint: true
                routes:
                  - {id: users, path: /api/users/**, upstream: u, rate-limit: [per-user, by-tier]}
                  - {id: chat, path: /chat, upstream: u, rate-limit: chat-send}
                """, true);
        RateLimitsConfig rl = RateLimitConfigExtension.of(config);
        assertEquals(List.of("per-ip", "per-user", "chat-send", "flood", "new-limit", "by-tier", "partner"),
                List.copyOf(rl.policies().keySet()));
        assertEquals(List.of("per-ip", "flood"), rl.global());
        assertEquals(RateLimitsConfig.Headers.DRAFT, rl.headers());
        assertEquals(5000, rl.maxKeys());
        assertTrue(rl.statusEndpoint());
        PolicyConfig chat = rl.policies().get("chat-send");
        assertEquals(PolicyConfig.Algorithm.GCRA, chat.algorithm());
        assertEquals(20, chat.burst());
        assertEquals(Duration.ofHours(1), rl.policies().get("flood").banFor());
        assertTrue(rl.policies().get("new-limit").dryRun());
        PolicyConfig tiers = rl.policies().get("by-tier");
        assertEquals("plan", tiers.tierClaim());
        assertEquals(List.of("free", "premium", "default"), List.copyOf(tiers.tiers().keySet()));
        assertEquals(List.of(new Limit(60, Duration.ofMinutes(1)), new Limit(1000, Duration.ofHours(1)),
                new Limit(10000, Duration.ofDays(1))), tiers.tiers().get("free"));
        PolicyConfig partner = rl.policies().get("partner");
        assertEquals("header:x-partner", partner.key().toString());
        assertEquals(PolicyConfig.Store.REDIS, partner.store());
        assertEquals(PolicyConfig.OnStoreFailure.CLOSED, partner.onStoreFailure());
        assertEquals(List.of("per-user", "by-tier"), RateLimitConfigExtension.of(config.routes().get(0)));
        assertEquals(List.of("chat-send"), RateLimitConfigExtension.of(config.routes().get(1)));
    }

    @Test
    void mistakesAreNamedByTheirKeyPath() {
        List<String> p = problems("""
                rate-limits:
                  a: {key: ip, limits: [100/1x]}
                  b: {key: nobody, limits: [1/1s]}
                  c: {key: ip}
                  d: {key: ip, limits: [1/1s], tiers: {free: [1/1s]}}
                  e: {key: user, tiers: {free: []}}
                  f: {key: ip, limits: [1/1s], burst: 5}
                  g: {key: ip, limits: [1/1s], store: redis}
                  h: {key: user, limits: [1/1s]}
                  i: {key: ip, limits: [1/1s, 2/1s]}
                  j: {key: ip, limits: [1/1s], colour: red}
                  defaults:
                    global: [h, nosuch]
                    headers: some
                routes:
                  - {id: r, path: /r, upstream: u, rate-limit: [missing, i]}
                """);
        assertProblem(p, "rate-limits.a.limits[0]: '100/1x' is not a limit");
        assertProblem(p, "rate-limits.b.key: unknown key 'nobody'");
        assertProblem(p, "rate-limits.c: needs limits");
        assertProblem(p, "rate-limits.d: has both limits and tiers");
        assertProblem(p, "rate-limits.e.tiers.free: a tier needs its limits");
        assertProblem(p, "rate-limits.f.burst: only the gcra algorithm takes a burst");
        assertProblem(p, "rate-limits.g.store: 'redis' needs a Redis to talk to: set quarkus.redis.hosts");
        assertProblem(p, "rate-limits.i.limits[1]: a second limit for the window of 1/1s");
        assertProblem(p, "rate-limits.j.colour: unknown key");
        assertProblem(p, "rate-limits.defaults.global[0]: 'h' counts by user, which is not known yet");
        assertProblem(p, "rate-limits.defaults.global[1]: no policy named 'nosuch'");
        assertProblem(p, "rate-limits.defaults.headers: 'some' is not one of both | draft | legacy | none");
        assertProblem(p, "routes[0].rate-limit[0]: no policy named 'missing' in rate-limits");
        // a policy with problems of its own is not reported again where a route names it
        assertFalse(p.stream().anyMatch(x -> x.startsWith("routes[0].rate-limit[1]")), p.toString());
    }

    @Test
    void addressPrefixesDefaultToPerAddressIpv4AndTheSlash64OfIpv6AndAreValidated() throws Exception {
        RateLimitsConfig rl = RateLimitConfigExtension.of(parse("""
                rate-limits:
                  plain: {key: ip, limits: [1/1s]}
                  wide: {key: user, limits: [1/1s], ipv6-prefix: 48, ipv4-prefix: 24}
                  exact: {key: ip, limits: [1/1s], ipv6-prefix: 128}
                routes:
                  - {id: r, path: /r, upstream: u, rate-limit: [plain, wide, exact]}
                """, false));
        assertEquals(32, rl.policies().get("plain").ipv4Prefix());
        assertEquals(64, rl.policies().get("plain").ipv6Prefix());
        assertEquals(48, rl.policies().get("wide").ipv6Prefix());
        assertEquals(24, rl.policies().get("wide").ipv4Prefix());
        assertEquals(128, rl.policies().get("exact").ipv6Prefix());
        RateLimitsConfig defaults = RateLimitConfigExtension.of(parse("""
                rate-limits:
                  plain: {key: ip, limits: [1/1s]}
                  own: {key: ip, limits: [1/1s], ipv6-prefix: 64}
                  defaults: {ipv6-prefix: 56, ipv4-prefix: 30}
                routes:
                  - {id: r, path: /r, upstream: u, rate-limit: [plain, own]}
                """, false));
        assertEquals(56, defaults.policies().get("plain").ipv6Prefix());
        assertEquals(30, defaults.policies().get("plain").ipv4Prefix());
        assertEquals(64, defaults.policies().get("own").ipv6Prefix());
        // POST /auth/token's built-in limit follows the defaults too
        assertEquals(56, defaults.policies().get("auth-token").ipv6Prefix());
        assertEquals(30, defaults.policies().get("auth-token").ipv4Prefix());
        assertEquals(RateLimitParser.TOKEN_DEFAULT.limits(), defaults.policies().get("auth-token").limits());
        assertFalse(rl.policies().containsKey("auth-token"), "with the default prefixes the built-in one is used as is");

        List<String> p = problems("""
                rate-limits:
                  a: {key: ip, limits: [1/1s], ipv6-prefix: 0}
                  b: {key: ip, limits: [1/1s], ipv6-prefix: 129}
                  c: {key: ip, limits: [1/1s], ipv4-prefix: 33}
                  d: {key: global, limits: [1/1s], ipv6-prefix: 64}
                  e: {key: ip, limits: [1/1s], ipv6-prefix: wide}
                  defaults: {ipv6-prefix: 200}
                """);
        assertProblem(p, "rate-limits.a.ipv6-prefix: 0 is out of range 1..128");
        assertProblem(p, "rate-limits.b.ipv6-prefix: 129 is out of range 1..128");
        assertProblem(p, "rate-limits.c.ipv4-prefix: 33 is out of range 1..32");
        assertProblem(p, "rate-limits.d.ipv6-prefix: only means something for a policy that counts by address");
        assertProblem(p, "rate-limits.e.ipv6-prefix: 'wide' is not a whole number");
        assertProblem(p, "rate-limits.defaults.ipv6-prefix: 200 is out of range 1..128");
    }

    @Test
    void aRouteNeedsTheSectionAndAGlobalPolicyIsNotNamedAgain() {
        assertProblem(problems("""
                routes:
                  - {id: r, path: /r, upstream: u, rate-limit: per-ip}
                """), "routes[0].rate-limit: no policy named 'per-ip' in rate-limits");
        assertProblem(problems("""
                rate-limits:
                  per-ip: {key: ip, limits: [1/1s]}
                  defaults: {global: [per-ip]}
                routes:
                  - {id: r, path: /r, upstream: u, rate-limit: per-ip}
                """), "routes[0].rate-limit: 'per-ip' already runs on every request");
    }
}
