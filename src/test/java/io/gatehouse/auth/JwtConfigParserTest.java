package io.gatehouse.auth;

import io.gatehouse.config.ConfigException;
import io.gatehouse.config.ConfigParser;
import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.RouteConfig;

import io.gatehouse.testing.TestTokens;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code auth.jwt} section and the routes' {@code auth: jwt | any}. */
class JwtConfigParserTest {
    private static final java.util.List<io.gatehouse.config.ConfigExtension> EXTENSIONS = java.util.List.of(new AuthConfigExtension());

    private static final String SECRET = "0123456789abcdef0123456789abcdef";
    private static final String HASH_A = "sha256:" + "a".repeat(64);
    private static final String UPSTREAM = """
            upstreams:
              users:
                targets:
                  - url: http://127.0.0.1:3001
            """;
    private static final String ROUTE = """
            routes:
              - id: a
                path: /a
                upstream: users
            """;
    private static KeyPair rsa;
    private static KeyPair ec;

    @BeforeAll
    static void keys() {
        rsa = TestTokens.rsa();
        ec = TestTokens.ec("secp256r1");
    }

    private static GatehouseConfig parse(String yaml, Map<String, String> variables) throws ConfigException {
        UnaryOperator<String> lookup = variables::get;
        return ConfigParser.parse("test.yaml", yaml, lookup, EXTENSIONS);
    }

    private static GatehouseConfig parse(String yaml) throws ConfigException {
        return parse(yaml, Map.of());
    }

    private static List<String> problems(String yaml) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml));
        assertFalse(e.problems().isEmpty());
        return e.problems();
    }

    private static void assertProblem(List<String> problems, String expectedPrefix) {
        assertTrue(problems.stream().anyMatch(p -> p.startsWith(expectedPrefix)),
                "expected a problem starting with <" + expectedPrefix + "> in " + problems);
    }

    /** The PEM as an indented YAML block scalar under {@code public-key: |}. */
    private static String block(String pem) {
        return "|\n" + pem.lines().map(l -> "      " + l).reduce((a, b) -> a + "\n" + b).orElse("") + "\n";
    }

    @Test
    void aPublicKeySectionParsesWithEveryFieldAndRoutesMayUseJwtOrAny() throws Exception {
        GatehouseConfig config = parse(UPSTREAM + """
                routes:
                  - id: a
                    path: /a
                    upstream: users
                    auth: jwt
                    roles: [admin]
                  - id: b
                    path: /b
                    upstream: users
                    auth: any
                auth:
                  jwt:
                    issuer: https://id.example.com
                    audiences: [gatehouse, mobile]
                    clock-skew: 1m
                    roles-claim: roles
                    public-key: %s
                  api-keys:
                    keys: [{id: k, hash: %s}]
                """.formatted(block(TestTokens.pem(rsa.getPublic())), HASH_A));
        JwtConfig jwt = io.gatehouse.auth.AuthConfigExtension.of(config).jwt();
        assertEquals("https://id.example.com", jwt.issuer());
        assertEquals(Set.of("gatehouse", "mobile"), jwt.audiences());
        assertEquals(rsa.getPublic(), jwt.publicKey());
        assertNull(jwt.secret());
        assertEquals(Duration.ofMinutes(1), jwt.clockSkew());
        assertEquals("roles", jwt.rolesClaim());
        assertEquals("jwt", io.gatehouse.auth.AuthConfigExtension.of(config.routes().get(0)).mode());
        assertTrue(io.gatehouse.auth.AuthConfigExtension.of(config.routes().get(0)).authenticated());
        assertEquals("any", io.gatehouse.auth.AuthConfigExtension.of(config.routes().get(1)).mode());
    }

    @Test
    void theDefaultsAndAnEcKeyOrASecretFromTheEnvironment() throws Exception {
        GatehouseConfig config = parse(UPSTREAM + ROUTE + """
                auth:
                  jwt:
                    issuer: https://id.example.com
                    public-key: %s
                """.formatted(block(TestTokens.pem(ec.getPublic()))));
        JwtConfig jwt = io.gatehouse.auth.AuthConfigExtension.of(config).jwt();
        assertEquals(ec.getPublic(), jwt.publicKey());
        assertEquals(Set.of(), jwt.audiences());
        assertEquals(Duration.ofSeconds(30), jwt.clockSkew());
        assertEquals("groups", jwt.rolesClaim());

        GatehouseConfig hs = parse(UPSTREAM + ROUTE + """
                auth:
                  jwt:
                    issuer: https://id.example.com
                    secret: ${JWT_SECRET}
                    clock-skew: 0s
                """, Map.of("JWT_SECRET", SECRET));
        assertArrayEquals(SECRET.getBytes(StandardCharsets.UTF_8), io.gatehouse.auth.AuthConfigExtension.of(hs).jwt().secret());
        assertNull(io.gatehouse.auth.AuthConfigExtension.of(hs).jwt().publicKey());
        assertEquals(Duration.ZERO, io.gatehouse.auth.AuthConfigExtension.of(hs).jwt().clockSkew());
        assertFalse(io.gatehouse.auth.AuthConfigExtension.of(hs).jwt().toString().contains(SECRET), "the secret stays out of toString");
        assertEquals(io.gatehouse.auth.AuthConfigExtension.of(hs).jwt(), io.gatehouse.auth.AuthConfigExtension.of(parse(UPSTREAM + ROUTE + """
                auth:
                  jwt: {issuer: https://id.example.com, secret: %s, clock-skew: 0s}
                """.formatted(SECRET))).jwt(), "equal by content, the secret included");
    }

    @Test
    void everyJwtProblemIsNamedWithItsPath() {
        List<String> problems = problems(UPSTREAM + ROUTE + """
                auth:
                  jwt:
                    audiences: []
                    clock-skew: soon
                    roles-claim: "realm access/roles"
                    colour: blue
                    secret: too-short
                """);
        assertProblem(problems, "auth.jwt.issuer: required");
        assertProblem(problems, "auth.jwt.audiences: must list at least one audience");
        assertProblem(problems, "auth.jwt.clock-skew: 'soon' is not a duration");
        assertProblem(problems, "auth.jwt.roles-claim: 'realm access/roles' is not a claim name");
        assertProblem(problems, "auth.jwt.colour: unknown key");
        assertProblem(problems, "auth.jwt.secret: an HS256 secret needs at least 32 bytes; this one has 9");
        assertTrue(problems.stream().noneMatch(p -> p.contains("too-short")), "the secret is never echoed: " + problems);
    }

    @Test
    void exactlyOneKeyIsNeeded() {
        assertProblem(problems(UPSTREAM + ROUTE + """
                auth:
                  jwt: {issuer: https://id.example.com}
                """), "auth.jwt: needs a verification key: public-key (PEM, RSA or EC), jwks-url (the issuer's JWKS) "
                + "or secret (HS256)");
        assertProblem(problems(UPSTREAM + ROUTE + """
                auth:
                  jwt:
                    issuer: https://id.example.com
                    secret: %s
                    public-key: %s
                """.formatted(SECRET, block(TestTokens.pem(rsa.getPublic())))),
                "auth.jwt: give exactly one of public-key, secret and jwks-url");
        List<String> both = problems(UPSTREAM + ROUTE + """
                auth:
                  jwt: {issuer: https://id.example.com, jwks-url: https://id.example.com/jwks.json, secret: %s}
                """.formatted(SECRET));
        assertEquals(List.of("auth.jwt: give exactly one of public-key, secret and jwks-url"), both);
    }

    @Test
    void aJwksUrlIsAnHttpUrl() throws Exception {
        GatehouseConfig config = ConfigParser.parse("test", UPSTREAM + ROUTE + """
                auth:
                  jwt: {issuer: https://id.example.com, jwks-url: https://id.example.com/.well-known/jwks.json}
                """, EXTENSIONS);
        JwtConfig jwt = io.gatehouse.auth.AuthConfigExtension.of(config).jwt();
        assertEquals("https://id.example.com/.well-known/jwks.json", jwt.jwksUrl());
        assertNull(jwt.publicKey());
        assertNull(jwt.secret());
        assertProblem(problems(UPSTREAM + ROUTE + """
                auth:
                  jwt: {issuer: https://id.example.com, jwks-url: "file:///etc/jwks.json"}
                """), "auth.jwt.jwks-url: 'file:///etc/jwks.json' must be an http:// or https:// URL");
        assertProblem(problems(UPSTREAM + ROUTE + """
                auth:
                  jwt: {issuer: https://id.example.com, jwks-url: "https://user:pw@id.example.com/jwks"}
                """), "auth.jwt.jwks-url: 'https://user:pw@id.example.com/jwks' must be an absolute URL with a host");
        assertProblem(problems(UPSTREAM + ROUTE + """
                auth:
                  jwt: {issuer: https://id.example.com, jwks-url: "https://id example.com/jwks"}
                """), "auth.jwt.jwks-url: 'https://id example.com/jwks' is not a URL");
        assertProblem(problems(UPSTREAM + ROUTE + """
                auth:
                  jwt: {issuer: https://id.example.com, jwks-url: [https://a]}
                """), "auth.jwt.jwks-url:");
    }

    @Test
    void aPublicKeyMustBeAUsablePemKey() throws Exception {
        assertProblem(problems(UPSTREAM + ROUTE + """
                auth:
                  jwt: {issuer: https://id.example.com, public-key: not-a-pem}
                """), "auth.jwt.public-key: must be a PEM public key");
        String privatePem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(rsa.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
        List<String> problems = problems(UPSTREAM + ROUTE + """
                auth:
                  jwt:
                    issuer: https://id.example.com
                    public-key: %s
                """.formatted(block(privatePem)));
        assertProblem(problems, "auth.jwt.public-key: is a private key; give only the public key");
        String body = Base64.getMimeEncoder().encodeToString(rsa.getPrivate().getEncoded()).substring(0, 40);
        assertTrue(problems.stream().noneMatch(p -> p.contains(body)), "the key is never echoed");
        KeyPairGenerator small = KeyPairGenerator.getInstance("RSA");
        small.initialize(1024);
        assertProblem(problems(UPSTREAM + ROUTE + """
                auth:
                  jwt:
                    issuer: https://id.example.com
                    public-key: %s
                """.formatted(block(TestTokens.pem(small.generateKeyPair().getPublic())))),
                "auth.jwt.public-key: the RSA key has 1024 bits; at least 2048 are needed");
        assertProblem(problems(UPSTREAM + ROUTE + """
                auth:
                  jwt:
                    issuer: https://id.example.com
                    public-key: %s
                """.formatted(block(TestTokens.pem(TestTokens.ec("secp521r1").getPublic())))),
                "auth.jwt.public-key: the EC key is on a 521-bit curve");
        assertProblem(problems(UPSTREAM + ROUTE + """
                auth:
                  jwt:
                    issuer: https://id.example.com
                    public-key: |
                      -----BEGIN PUBLIC KEY-----
                      AAAA
                      -----END PUBLIC KEY-----
                """), "auth.jwt.public-key: is not an RSA or EC public key");
        assertProblem(problems(UPSTREAM + ROUTE + """
                auth:
                  jwt: {issuer: https://id.example.com, secret: %s, clock-skew: 2h}
                """.formatted(SECRET)), "auth.jwt.clock-skew: '2h' is more than the most allowed, 10m");
    }

    @Test
    void jwtAndAnyRoutesNeedTheirSections() {
        String routes = """
                routes:
                  - id: a
                    path: /a
                    upstream: users
                    auth: jwt
                  - id: b
                    path: /b
                    upstream: users
                    auth: any
                """;
        List<String> none = problems(UPSTREAM + routes);
        assertProblem(none, "routes[0].auth: 'jwt' needs the auth.jwt section");
        assertProblem(none, "routes[1].auth: 'any' (an API key or a JWT) needs both auth.api-keys and auth.jwt");
        List<String> jwtOnly = problems(UPSTREAM + routes + """
                auth:
                  jwt: {issuer: https://id.example.com, secret: %s}
                """.formatted(SECRET));
        assertEquals(List.of("routes[1].auth: 'any' (an API key or a JWT) needs both auth.api-keys and auth.jwt; "
                + "auth.api-keys is missing"), jwtOnly);
        // a broken jwt section is reported there, not also on the routes
        List<String> broken = problems(UPSTREAM + routes + """
                auth:
                  jwt: {issuer: https://id.example.com, secret: short}
                  api-keys:
                    keys: [{id: k, hash: %s}]
                """.formatted(HASH_A));
        assertEquals(1, broken.size(), broken.toString());
        assertProblem(broken, "auth.jwt.secret:");
    }
}
