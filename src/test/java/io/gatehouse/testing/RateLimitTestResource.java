package io.gatehouse.testing;

import io.gatehouse.auth.ApiKeyStore;

import java.util.Map;

/**
 * One real upstream and a config with rate limits of every kind in front of it. 127.0.0.1 is a trusted proxy, so
 * each test picks its own client address with {@code X-Forwarded-For} and tests do not share counters.
 */
public class RateLimitTestResource extends UpstreamsTestResource {
    /** Tier premium. */
    public static final String PREMIUM_KEY = "premium-key-1b2c";
    /** No tier. */
    public static final String PLAIN_KEY = "plain-key-9f8e";
    /** Tier premium, for the status endpoint's test alone (counters per user are shared by every test). */
    public static final String STATUS_KEY = "status-key-3a4b";
    /** No tier: traded for a token in the api-key policy's test. */
    public static final String SWAP_KEY = "swap-key-6e5f";
    /** Tier gold, which no policy lists. */
    public static final String GOLD_KEY = "gold-key-7d6c";

    @Override
    protected String[] upstreamNames() {
        return new String[] {"rl"};
    }

    @Override
    protected String config(Map<String, String> props) {
        return """
                server:
                  trusted-proxies: [127.0.0.1/32]
                upstreams:
                  echo: {targets: [{url: %s}]}
                  dead: {targets: [{url: "http://127.0.0.1:%d"}], connect-timeout: 300ms}
                routes:
                  - {id: open, path: /open/**, upstream: echo, strip-prefix: /open, rate-limit: per-ip}
                  - {id: open-too, path: /open-too/**, upstream: echo, strip-prefix: /open-too, rate-limit: per-ip}
                  - {id: keyed, path: /keyed/**, upstream: echo, strip-prefix: /keyed, auth: api-key, rate-limit: by-tier}
                  - {id: premium, path: /premium/**, upstream: echo, strip-prefix: /premium, auth: api-key, rate-limit: premium-only}
                  - {id: dry, path: /dry/**, upstream: echo, strip-prefix: /dry, rate-limit: [trial, per-ip-wide]}
                  - {id: ban, path: /ban/**, upstream: echo, strip-prefix: /ban, rate-limit: flood}
                  - {id: exact, path: /exact/**, upstream: echo, strip-prefix: /exact, rate-limit: exact}
                  - {id: gcra, path: /gcra/**, upstream: echo, strip-prefix: /gcra, rate-limit: steady}
                  - {id: down, path: /down/**, upstream: dead, rate-limit: per-ip}
                  - {id: free, path: /free/**, upstream: echo, strip-prefix: /free}
                  - {id: either, path: /either/**, upstream: echo, strip-prefix: /either, auth: any, rate-limit: per-key}
                  - {id: quiet, path: /quiet/**, upstream: echo, strip-prefix: /quiet, access-log: false}
                  - {id: sampled, path: /sampled/**, upstream: echo, strip-prefix: /sampled, access-log: {sample: 0}}
                  - {id: sampled-down, path: /sampled-down/**, upstream: dead, access-log: {sample: "0%%"}}
                rate-limits:
                  per-ip: {key: ip, limits: [5/1m]}
                  per-ip-wide: {key: ip, limits: [100/1m]}
                  by-tier:
                    key: user
                    tiers:
                      premium: [4/1m, 100/1h]
                      default: [2/1m]
                  premium-only: {key: user, tiers: {premium: [100/1m]}}
                  trial: {key: ip, limits: [2/1m], dry-run: true}
                  flood: {key: ip, limits: [3/1m], ban-for: 1h}
                  exact: {key: global, limits: [37/1h]}
                  steady: {key: ip, algorithm: gcra, limits: [1/1h], burst: 3}
                  gate: {key: ip, limits: [40/1m]}
                  per-key: {key: api-key, limits: [3/1m]}
                  defaults:
                    global: [gate]
                  status-endpoint: true
                admin:
                  token-file: %s
                auth:
                  issuer:
                    issuer: https://gatehouse.test
                    private-key: |
                      %s
                  api-keys:
                    keys:
                      - {id: premium-app, hash: %s, tier: premium}
                      - {id: plain-app, hash: %s}
                      - {id: gold-app, hash: %s, tier: gold}
                      - {id: status-app, hash: %s, tier: premium}
                      - {id: swap-app, hash: %s}
                """.formatted(url("rl"), deadPort(), adminTokenFile(),
                TestTokens.privatePem(TestTokens.rsa().getPrivate()).strip().replace("\n", "\n          "),
                ApiKeyStore.hashOf(PREMIUM_KEY), ApiKeyStore.hashOf(PLAIN_KEY),
                ApiKeyStore.hashOf(GOLD_KEY), ApiKeyStore.hashOf(STATUS_KEY),
                ApiKeyStore.hashOf(SWAP_KEY));
    }

    /** The admin API's bearer token (admin.token-file). */
    public static String adminToken() {
        return "rl-admin-token-5e4d3c2b1a";
    }

    private static String adminTokenFile() {
        return TempDirs.fileWith("gatehouse-rl-admin", "token", adminToken());
    }

    private static int deadPort() {
        try {
            return GatewayTestResource.closedPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
