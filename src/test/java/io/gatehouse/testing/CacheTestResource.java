package io.gatehouse.testing;

import io.gatehouse.auth.ApiKeyStore;

import java.util.Map;

/** A config with cached routes of every kind in front of a {@link CacheOrigin} the tests set answers on. */
public class CacheTestResource extends UpstreamsTestResource {
    public static final String ALICE_KEY = "alice-key-4c3b";
    public static final String BOB_KEY = "bob-key-8e7d";
    /** The origin, for the tests in this JVM. */
    public static volatile CacheOrigin origin;

    @Override
    protected String[] upstreamNames() {
        return new String[] {};
    }

    @Override
    protected String config(Map<String, String> props) {
        try {
            origin = CacheOrigin.start(vertx);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return """
                upstreams:
                  origin:
                    targets: [{url: %s}]
                routes:
                  - {id: c, path: /c/**, upstream: origin, cache: true}
                  - {id: t, path: /t/**, upstream: origin, cache: {ttl: 60s, vary: [X-Tenant]}}
                  - {id: small, path: /small/**, upstream: origin, cache: {max-object-size: 10}}
                  - {id: sie, path: /sie/**, upstream: origin, cache: {stale-if-error: 1h}}
                  - {id: users, path: /users/**, upstream: origin, auth: api-key, cache: true}
                  - {id: cookie, path: /cookie/**, upstream: origin, cache: {store-set-cookie: true}}
                  - {id: rel, path: /rel/**, upstream: origin, cache: {invalidate: [/rel/list]}}
                  - {id: writes, path: /w/**, upstream: origin, methods: [POST, PUT, DELETE]}
                  - {id: limited, path: /limited/**, upstream: origin, cache: true, rate-limit: cache-per-ip}
                rate-limits:
                  cache-per-ip: {key: ip, limits: [3/1h]}
                cache:
                  max-bytes: 16MB
                  lock-timeout: 3s
                admin:
                  token-file: %s
                auth:
                  api-keys:
                    keys:
                      - {id: alice, hash: %s}
                      - {id: bob, hash: %s}
                """.formatted(origin.url(), adminTokenFile(), ApiKeyStore.hashOf(ALICE_KEY), ApiKeyStore.hashOf(BOB_KEY));
    }

    /** The admin API's bearer token (admin.token-file). */
    public static String adminToken() {
        return "cache-admin-token-7f6e5d4c";
    }

    private static String adminTokenFile() {
        return TempDirs.fileWith("gatehouse-cache-admin", "token", adminToken());
    }

    @Override
    public void stop() {
        if (origin != null) {
            origin.close();
        }
        super.stop();
    }
}
