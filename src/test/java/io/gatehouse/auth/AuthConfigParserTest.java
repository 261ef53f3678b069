package io.gatehouse.auth;

import io.gatehouse.config.ConfigException;
import io.gatehouse.config.ConfigParser;
import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.RouteConfig;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code auth:} section and the routes' {@code auth}, {@code roles} and {@code forward-credentials}. */
class AuthConfigParserTest {
    private static final UnaryOperator<String> NO_VARIABLES = name -> null;
    private static final String HASH_A = "sha256:" + "a".repeat(64);
    private static final String HASH_B = "sha256:" + "0123456789abcdef".repeat(4);

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

    private static GatehouseConfig parse(String yaml) throws ConfigException {
        return ConfigParser.parse("test.yaml", yaml, NO_VARIABLES, java.util.List.of(new io.gatehouse.auth.AuthConfigExtension()));
    }

    private static List<String> problems(String yaml) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parse("test.yaml", yaml, NO_VARIABLES, java.util.List.of(new io.gatehouse.auth.AuthConfigExtension())));
        assertFalse(e.problems().isEmpty());
        return e.problems();
    }

    private static void assertProblem(List<String> problems, String expectedPrefix) {
        assertTrue(problems.stream().anyMatch(p -> p.startsWith(expectedPrefix)),
                "expected a problem starting with <" + expectedPrefix + "> in " + problems);
    }

    @Test
    void apiKeysParseWithEveryFieldAndTheDefaults() throws Exception {
        GatehouseConfig config = parse(UPSTREAM + """
                routes:
                  - id: a
                    path: /a
                    upstream: users
                    auth: api-key
                    roles: [admin, user]
                    forward-credentials: false
                  - id: b
                    path: /b
                    upstream: users
                auth:
                  api-keys:
                    keys:
                      - id: mobile-app
                        hash: %s
                        roles: [user]
                        tier: premium
                      - id: ci
                        hash: %s
                """.formatted(HASH_A, HASH_B));
        ApiKeysConfig keys = io.gatehouse.auth.AuthConfigExtension.of(config).apiKeys();
        assertEquals("X-API-Key", keys.header());
        assertEquals(2, keys.keys().size());
        assertEquals(new ApiKeyConfig("mobile-app", "a".repeat(64), List.of("user"), "premium"), keys.keys().get(0));
        assertEquals(new ApiKeyConfig("ci", "0123456789abcdef".repeat(4), List.of(), null), keys.keys().get(1));

        RouteConfig a = config.routes().get(0);
        assertEquals("api-key", io.gatehouse.auth.AuthConfigExtension.of(a).mode());
        assertTrue(io.gatehouse.auth.AuthConfigExtension.of(a).authenticated());
        assertEquals(List.of("admin", "user"), io.gatehouse.auth.AuthConfigExtension.of(a).roles());
        assertFalse(io.gatehouse.auth.AuthConfigExtension.of(a).forwardCredentials());

        RouteConfig b = config.routes().get(1);
        assertEquals("none", io.gatehouse.auth.AuthConfigExtension.of(b).mode());
        assertFalse(io.gatehouse.auth.AuthConfigExtension.of(b).authenticated());
        assertEquals(List.of(), io.gatehouse.auth.AuthConfigExtension.of(b).roles());
        assertTrue(io.gatehouse.auth.AuthConfigExtension.of(b).forwardCredentials(), "credentials are forwarded by default");
    }

    @Test
    void aConfigWithoutAuthHasNone() throws Exception {
        assertNull(io.gatehouse.auth.AuthConfigExtension.of(parse(UPSTREAM + ROUTE)));
    }

    @Test
    void theKeyHeaderCanBeChosen() throws Exception {
        GatehouseConfig config = parse(UPSTREAM + ROUTE + """
                auth:
                  api-keys:
                    header: X-Gatehouse-Key
                    keys: [{id: k, hash: %s}]
                """.formatted(HASH_A));
        assertEquals("X-Gatehouse-Key", io.gatehouse.auth.AuthConfigExtension.of(config).apiKeys().header());
    }

    @Test
    void aBrokenIssuerIsReportedOnce() {
        List<String> problems = problems(UPSTREAM + """
                routes:
                  - id: a
                    path: /a
                    upstream: users
                    auth: jwt
                  - id: b
                    path: /b
                    upstream: users
                    auth: any
                auth:
                  issuer: https://id.example.com
                  api-keys:
                    keys: [{id: k, hash: %s}]
                """.formatted(HASH_A));
        assertEquals(List.of("auth.issuer: must be a mapping (key: value), not 'https://id.example.com'"), problems,
                "a broken auth.issuer is reported once; the routes that need it are not blamed as well");
    }

    @Test
    void everyKeyProblemIsNamedWithItsPath() {
        List<String> problems = problems(UPSTREAM + ROUTE + """
                auth:
                  colour: blue
                  api-keys:
                    header: "Bad Header"
                    extra: 1
                    keys:
                      - id: dup
                        hash: %1$s
                      - id: dup
                        hash: %2$s
                      - id: "has space"
                        hash: %2$s
                      - hash: %3$s
                      - id: nohash
                      - id: badhash
                        hash: sha256:ABCDEF
                      - id: plain
                        hash: my-plain-secret-key
                      - id: roles
                        hash: %4$s
                        roles: "admin"
                      - id: role-chars
                        hash: %5$s
                        roles: ["a,b"]
                        tier: [x]
                        owner: me
                """.formatted(HASH_A, HASH_B, "sha256:" + "c".repeat(64), "sha256:" + "d".repeat(64),
                "sha256:" + "e".repeat(64)));
        assertProblem(problems, "auth.colour: unknown key");
        assertProblem(problems, "auth.api-keys.header: 'Bad Header' is not a header name");
        assertProblem(problems, "auth.api-keys.extra: unknown key");
        assertProblem(problems, "auth.api-keys.keys[1].id: 'dup' is already the id of auth.api-keys.keys[0]");
        assertProblem(problems, "auth.api-keys.keys[2].id: 'has space': a key id is 1-64 letters");
        assertProblem(problems, "auth.api-keys.keys[2].hash: the same hash as auth.api-keys.keys[1]");
        assertProblem(problems, "auth.api-keys.keys[3].id: required");
        assertProblem(problems, "auth.api-keys.keys[4].hash: required");
        assertProblem(problems, "auth.api-keys.keys[5].hash: must be 'sha256:' followed by 64 lower-case hex digits");
        assertProblem(problems, "auth.api-keys.keys[6].hash: must be 'sha256:'");
        assertProblem(problems, "auth.api-keys.keys[7].roles: must be a list");
        assertProblem(problems, "auth.api-keys.keys[8].roles[0]: 'a,b': a role is");
        assertProblem(problems, "auth.api-keys.keys[8].tier: must be a single value");
        assertProblem(problems, "auth.api-keys.keys[8].owner: unknown key");
        assertTrue(problems.stream().noneMatch(p -> p.contains("my-plain-secret-key")),
                "a plain key pasted as a hash is never echoed: " + problems);
    }

    @Test
    void aKeyIdMayBeSixtyFourCharactersButNotMore() throws Exception {
        parse(UPSTREAM + ROUTE + """
                auth:
                  api-keys:
                    keys: [{id: %s, hash: %s}]
                """.formatted("k".repeat(64), HASH_A));
        assertProblem(problems(UPSTREAM + ROUTE + """
                auth:
                  api-keys:
                    keys: [{id: %s, hash: %s}]
                """.formatted("k".repeat(65), HASH_A)), "auth.api-keys.keys[0].id:");
    }

    @Test
    void theKeyListIsRequiredAndNotEmpty() {
        assertProblem(problems(UPSTREAM + ROUTE + "auth:\n  api-keys: {}\n"), "auth.api-keys.keys: required");
        assertProblem(problems(UPSTREAM + ROUTE + "auth:\n  api-keys: {keys: []}\n"),
                "auth.api-keys.keys: required: at least one key");
        assertProblem(problems(UPSTREAM + ROUTE + "auth:\n  api-keys: {keys: {id: k}}\n"),
                "auth.api-keys.keys: must be a list");
        assertProblem(problems(UPSTREAM + ROUTE + "auth: {}\n"), "auth: must configure jwt or api-keys");
        assertProblem(problems(UPSTREAM + ROUTE + "auth: api-key\n"), "auth: must be a mapping");
    }

    @Test
    void theKeyHeaderCannotBeOneTheGatewaySetsOrRemoves() {
        for (String header : List.of("X-User-ID", "x_authenticated", "Host", "Connection", "X-Forwarded-For")) {
            assertProblem(problems(UPSTREAM + ROUTE + """
                    auth:
                      api-keys:
                        header: %s
                        keys: [{id: k, hash: %s}]
                    """.formatted(header, HASH_A)), "auth.api-keys.header: '" + header + "' is a header the gateway");
        }
    }

    @Test
    void anApiKeyRouteNeedsApiKeysConfigured() {
        List<String> problems = problems(UPSTREAM + """
                routes:
                  - id: a
                    path: /a
                    upstream: users
                    auth: api-key
                """);
        assertProblem(problems, "routes[0].auth: 'api-key' needs auth.api-keys");
    }

    @Test
    void aBrokenKeySectionIsNotAlsoBlamedOnTheRoutes() {
        List<String> problems = problems(UPSTREAM + """
                routes:
                  - id: a
                    path: /a
                    upstream: users
                    auth: api-key
                auth:
                  api-keys:
                    keys: [{id: k, hash: nope}]
                """);
        assertEquals(1, problems.size(), problems.toString());
        assertProblem(problems, "auth.api-keys.keys[0].hash:");
    }

    @Test
    void rolesNeedAnAuthenticatedRouteAndWellFormedNames() {
        List<String> problems = problems(UPSTREAM + """
                routes:
                  - id: a
                    path: /a
                    upstream: users
                    roles: [admin]
                  - id: b
                    path: /b
                    upstream: users
                    auth: none
                    roles: [admin]
                  - id: c
                    path: /c
                    upstream: users
                    auth: api-key
                    roles: []
                  - id: d
                    path: /d
                    upstream: users
                    auth: api-key
                    roles: ["has space", admin]
                  - id: e
                    path: /e
                    upstream: users
                    auth: api-key
                    roles: admin
                  - id: f
                    path: /f
                    upstream: users
                    forward-credentials: maybe
                auth:
                  api-keys:
                    keys: [{id: k, hash: %s}]
                """.formatted(HASH_A));
        assertProblem(problems, "routes[0].roles: roles need an authenticated route (auth: jwt, api-key or any)");
        assertProblem(problems, "routes[1].roles: roles need an authenticated route");
        assertProblem(problems, "routes[2].roles: list at least one role");
        assertProblem(problems, "routes[3].roles[0]: 'has space': a role is");
        assertProblem(problems, "routes[4].roles: must be a list");
        assertProblem(problems, "routes[5].forward-credentials: 'maybe' must be true or false");
    }
}
