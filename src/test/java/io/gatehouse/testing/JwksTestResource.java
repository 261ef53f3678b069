package io.gatehouse.testing;

import io.gatehouse.auth.ApiKeyStore;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.HashMap;
import java.util.Map;

/**
 * One real upstream ("jwks") and a config whose {@code auth.jwt.jwks-url} points at a port that nothing listens on
 * yet: the test starts its own JWKS server there (so the gateway starts with the JWKS down). Refetches on an unknown
 * kid are allowed every {@value #MIN_REFETCH} here (10s by default) to keep the test short. {@code auth.issuer} is on,
 * with a generated RSA key: {@code POST /auth/token} issues tokens to the API key below.
 */
public class JwksTestResource implements QuarkusTestResourceLifecycleManager {
    public static final String KEY_HEADER = "X-API-Key";
    /** The API key of id 'mobile-app', roles [user], tier premium. */
    public static final String USER_KEY = "jwks-test-key-5b1f0a";
    public static final String MIN_REFETCH = "2s";

    private Vertx vertx;
    private TestUpstream upstream;

    @Override
    public Map<String, String> start() {
        vertx = Vertx.vertx();
        upstream = TestUpstream.start(vertx, "jwks");
        int jwksPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            jwksPort = socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        KeyPair issuerKey = TestTokens.rsa();
        String issuerPem = TestTokens.privatePem(issuerKey.getPrivate()).strip().replace("\n", "\n      ");
        try {
            Path config = TempDirs.create("gatehouse-jwks-test").resolve("gatehouse.yaml");
            Files.writeString(config, """
                    upstreams:
                      echo:
                        targets:
                          - url: %s
                    routes:
                      - id: jwt
                        path: /jwt/**
                        upstream: echo
                        strip-prefix: /jwt
                        auth: jwt
                    auth:
                      jwt:
                        issuer: %s
                        audiences: [%s]
                        jwks-url: http://127.0.0.1:%d/.well-known/jwks.json
                      issuer:
                        audience: %s
                        private-key: |
                          %s
                      api-keys:
                        header: %s
                        keys:
                          - id: mobile-app
                            hash: %s
                            roles: [user]
                            tier: premium
                    """.formatted(upstream.url(), TestTokens.ISSUER, TestTokens.AUDIENCE, jwksPort, TestTokens.AUDIENCE,
                    issuerPem, KEY_HEADER,
                    ApiKeyStore.hashOf(USER_KEY)));
            Map<String, String> props = new HashMap<>();
            props.put("gatehouse.config", config.toString());
            props.put("test.upstream.jwks", upstream.url());
            props.put("test.jwks.port", String.valueOf(jwksPort));
            props.put("gatehouse.jwks.min-refetch-interval", MIN_REFETCH);
            return props;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        if (upstream != null) {
            upstream.close();
        }
        if (vertx != null) {
            vertx.close();
        }
    }
}
