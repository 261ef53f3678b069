package io.gatehouse.testing;

import io.gatehouse.auth.ApiKeyStore;

import java.security.KeyPair;
import java.util.Base64;
import java.util.Map;

/**
 * One real upstream ("jwt") and a config whose {@code auth.jwt.public-key} is the PEM of an RSA key generated
 * here. The private key reaches the test as the property {@code test.jwt.private-key} (base64 PKCS#8), so the test
 * signs its own tokens; the gateway only ever sees the public half.
 */
public class JwtTestResource extends UpstreamsTestResource {
    public static final String KEY_HEADER = "X-API-Key";
    /** The API key of id 'mobile-app', roles [user]. */
    public static final String USER_KEY = "jwt-test-key-7d0c1e";

    @Override
    protected String[] upstreamNames() {
        return new String[] {"jwt"};
    }

    @Override
    protected String config(Map<String, String> props) {
        KeyPair rsa = TestTokens.rsa();
        String pem = TestTokens.pem(rsa.getPublic()).strip().replace("\n", "\n      ");
        props.put("test.jwt.private-key", Base64.getEncoder().encodeToString(rsa.getPrivate().getEncoded()));
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
                      - id: jwt-admin
                        path: /jwt-admin/**
                        upstream: echo
                        strip-prefix: /jwt-admin
                        auth: jwt
                        roles: [admin]
                      - id: either
                        path: /either/**
                        upstream: echo
                        strip-prefix: /either
                        auth: any
                      - id: jwt-hidden
                        path: /jwt-hidden/**
                        upstream: echo
                        strip-prefix: /jwt-hidden
                        auth: jwt
                        forward-credentials: false
                    auth:
                      jwt:
                        issuer: %s
                        audiences: [%s]
                        clock-skew: 30s
                        public-key: |
                          %s
                      api-keys:
                        header: %s
                        keys:
                          - id: mobile-app
                            hash: %s
                            roles: [user]
                    """.formatted(url("jwt"), TestTokens.ISSUER, TestTokens.AUDIENCE, pem, KEY_HEADER,
                    ApiKeyStore.hashOf(USER_KEY));
    }
}
