package io.gatehouse.testing;

import io.gatehouse.auth.ApiKeyStore;

import java.io.IOException;
import java.security.KeyPair;
import java.util.Map;

/**
 * One real upstream ("jwks") and a config whose {@code auth.jwt.jwks-url} points at a port that nothing listens on
 * yet: the test starts its own JWKS server there (so the gateway starts with the JWKS down). Refetches on an unknown
 * kid are allowed every {@value #MIN_REFETCH} here (10s by default) to keep the test short. {@code auth.issuer} is on,
 * with a generated RSA key: {@code POST /auth/token} issues tokens to the API key below.
 */
public class JwksTestResource extends UpstreamsTestResource {
    public static final String KEY_HEADER = "X-API-Key";
    /** The API key of id 'mobile-app', roles [user], tier premium. */
    public static final String USER_KEY = "jwks-test-key-5b1f0a";
    public static final String MIN_REFETCH = "2s";

    @Override
    protected String[] upstreamNames() {
        return new String[] {"jwks"};
    }

    @Override
    protected String config(Map<String, String> props) throws IOException {
        int jwksPort = GatewayTestResource.closedPort();
        KeyPair issuerKey = TestTokens.rsa();
        String issuerPem = TestTokens.privatePem(issuerKey.getPrivate()).strip().replace("\n", "\n      ");
        props.put("test.jwks.port", String.valueOf(jwksPort));
        props.put("gatehouse.jwks.min-refetch-interval", MIN_REFETCH);
        return """
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
                    """.formatted(url("jwks"), TestTokens.ISSUER, TestTokens.AUDIENCE, jwksPort, TestTokens.AUDIENCE,
                    issuerPem, KEY_HEADER,
                    ApiKeyStore.hashOf(USER_KEY));
    }
}
