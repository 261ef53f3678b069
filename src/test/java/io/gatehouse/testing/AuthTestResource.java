package io.gatehouse.testing;

import io.gatehouse.auth.ApiKeyStore;

import java.util.Map;

/**
 * One real upstream ("auth") and a config with API keys in front of it. The plain keys are the constants here;
 * the config holds only their hashes.
 */
public class AuthTestResource extends UpstreamsTestResource {
    public static final String KEY_HEADER = "X-API-Key";
    /** Roles [user], tier premium. */
    public static final String USER_KEY = "user-key-4f1c9a";
    /** Roles [admin, ops]. */
    public static final String ADMIN_KEY = "admin-key-82be07";
    /** No roles. */
    public static final String BARE_KEY = "bare-key-d5a3e1";

    @Override
    protected String[] upstreamNames() {
        return new String[] {"auth", "auth-2", "auth-3"};
    }

    @Override
    protected String config(Map<String, String> props) {
        return """
                    upstreams:
                      echo:
                        targets:
                          - url: %s
                      sticky:
                        targets: [{url: %s}, {url: %s}, {url: %s}]
                        balancer: consistent-hash
                        hash-on: claim:sub
                    routes:
                      - id: sticky
                        path: /sticky/**
                        upstream: sticky
                        strip-prefix: /sticky
                        auth: api-key
                      - id: keyed
                        path: /keyed/**
                        upstream: echo
                        strip-prefix: /keyed
                        auth: api-key
                      - id: admin
                        path: /admin-area/**
                        upstream: echo
                        strip-prefix: /admin-area
                        auth: api-key
                        roles: [admin, superuser]
                      - id: hidden-key
                        path: /hidden/**
                        upstream: echo
                        strip-prefix: /hidden
                        auth: api-key
                        forward-credentials: false
                      - id: open
                        path: /open/**
                        upstream: echo
                        strip-prefix: /open
                    auth:
                      api-keys:
                        header: %s
                        keys:
                          - id: mobile-app
                            hash: %s
                            roles: [user]
                            tier: premium
                          - id: admin-console
                            hash: %s
                            roles: [admin, ops]
                          - id: bare
                            hash: %s
                    """.formatted(url("auth"), url("auth"), url("auth-2"), url("auth-3"), KEY_HEADER, ApiKeyStore.hashOf(USER_KEY), ApiKeyStore.hashOf(ADMIN_KEY),
                    ApiKeyStore.hashOf(BARE_KEY));
    }
}
