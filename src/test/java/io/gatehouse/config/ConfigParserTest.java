package io.gatehouse.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigParserTest {
    private static final UnaryOperator<String> NO_VARIABLES = name -> null;

    private static GatehouseConfig parse(String yaml) throws ConfigException {
        return ConfigParser.parse("test.yaml", yaml, NO_VARIABLES, java.util.List.of(new io.gatehouse.auth.AuthConfigExtension()));
    }

    private static List<String> problems(String yaml) {
        return problems(yaml, NO_VARIABLES);
    }

    private static List<String> problems(String yaml, UnaryOperator<String> variables) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parse("test.yaml", yaml, variables, java.util.List.of(new io.gatehouse.auth.AuthConfigExtension())));
        assertFalse(e.problems().isEmpty(), "a refused config names at least one problem");
        assertTrue(e.getMessage().startsWith("test.yaml: "), "the message names the source: " + e.getMessage());
        return e.problems();
    }

    private static void assertProblem(List<String> problems, String expectedPrefix) {
        assertTrue(problems.stream().anyMatch(p -> p.startsWith(expectedPrefix)),
                "expected a problem starting with <" + expectedPrefix + "> in " + problems);
    }

    private static final String UPSTREAM = """
            upstreams:
              users:
                targets:
                  - url: http://127.0.0.1:3001
            """;

    @Test
    void fullValidConfigParsesWithEveryFieldAndDefault() throws Exception {
        GatehouseConfig config = parse("""
                upstreams:
                  users:
                    targets:
                      - url: http://127.0.0.1:3001
                        weight: 2
                      - url: https://users.internal
                    balancer: round-robin
                    connect-timeout: 250ms
                    timeout: 10s
                    max-connections: 64
                  orders:
                    targets:
                      - url: http://[::1]:4000
                routes:
                  - id: users
                    path: /api/users/**
                    methods: [get, POST]
                    host: API.example.com
                    headers: {X-Api-Version: "2"}
                    upstream: users
                    strip-prefix: /api
                    timeout: 5s
                    preserve-host: true
                  - id: order-by-id
                    path: /orders/{id}
                    upstream: orders
                    rewrite: /v2/orders/{id}
                    auth: none
                """);

        UpstreamConfig users = config.upstreams().get("users");
        assertEquals("users", users.name());
        assertEquals(List.of(new TargetConfig("http", "127.0.0.1", 3001, 2), new TargetConfig("https", "users.internal", 443, 1)),
                users.targets());
        assertEquals("round-robin", users.balancer());
        assertEquals(Duration.ofMillis(250), users.connectTimeout());
        assertEquals(Duration.ofSeconds(10), users.timeout());
        assertEquals(64, users.maxConnections());

        UpstreamConfig orders = config.upstreams().get("orders");
        assertEquals(List.of(new TargetConfig("http", "::1", 4000, 1)), orders.targets(), "IPv6 brackets are removed");
        assertEquals(UpstreamConfig.ROUND_ROBIN, orders.balancer());
        assertEquals(Duration.ofSeconds(1), orders.connectTimeout());
        assertEquals(Duration.ofSeconds(30), orders.timeout());
        assertEquals(256, orders.maxConnections());

        assertEquals(2, config.routes().size());
        RouteConfig r0 = config.routes().get(0);
        assertEquals("users", r0.id());
        assertEquals("/api/users/**", r0.path());
        assertEquals(Set.of("GET", "POST"), r0.methods(), "methods are upper-cased");
        assertEquals(List.of("GET", "POST"), r0.sortedMethods());
        assertEquals("api.example.com", r0.host(), "host is lower-cased");
        assertEquals(Map.of("X-Api-Version", "2"), r0.headers());
        assertEquals("users", r0.upstream());
        assertEquals("/api", r0.stripPrefix());
        assertNull(r0.rewrite());
        assertEquals("none", io.gatehouse.auth.AuthConfigExtension.of(r0).mode());
        assertEquals(Duration.ofSeconds(5), r0.timeout());
        assertTrue(r0.preserveHost());
        assertEquals(0, r0.index());

        RouteConfig r1 = config.routes().get(1);
        assertEquals("order-by-id", r1.id());
        assertEquals(Set.of(), r1.methods(), "no methods means every method");
        assertNull(r1.host());
        assertEquals(Map.of(), r1.headers());
        assertNull(r1.stripPrefix());
        assertEquals("/v2/orders/{id}", r1.rewrite());
        assertNull(r1.timeout(), "no route timeout: the upstream's applies");
        assertFalse(r1.preserveHost());
        assertEquals(1, r1.index());
    }

    @Test
    void everyProblemIsReportedWithItsKeyPathAllAtOnce() {
        List<String> problems = problems("""
                upstreams:
                  users:
                    targets:
                      - url: ftp://127.0.0.1:3001
                      - url: http://127.0.0.1:3002/base
                      - url: http://127.0.0.1:3003
                        weight: 0
                      - url: http://127.0.0.1:3004
                        weight: heavy
                      - url: http://127.0.0.1:3005
                        weight: 1001
                    connect-timeout: 10 seconds
                    timeout: 0s
                    max-connections: -1
                    balancer: fastest
                routes:
                  - id: a
                    path: /a
                    upstream: nosuch
                  - id: b
                    path: /b
                    upstream: users
                    colour: blue
                  - id: a
                    path: /c
                    upstream: users
                  - id: d
                    path: /d/**
                    upstream: users
                    strip-prefix: /d
                    rewrite: /x/{**}
                  - id: e
                    path: /e/{id}
                    upstream: users
                    rewrite: /x/{name}
                  - id: f
                    path: /f/**/g
                    upstream: users
                  - id: g
                    path: /g
                    methods: [GET, FETCH]
                    upstream: users
                    timeout: 5x
                    preserve-host: maybe
                """);
        assertProblem(problems, "upstreams.users.targets[0].url: 'ftp://127.0.0.1:3001' must start with http:// or https://");
        assertProblem(problems, "upstreams.users.targets[1].url: 'http://127.0.0.1:3002/base' must be scheme://host:port only");
        assertProblem(problems, "upstreams.users.targets[2].weight: 0 is out of range 1..1000");
        assertProblem(problems, "upstreams.users.targets[3].weight: 'heavy' is not a whole number");
        assertProblem(problems, "upstreams.users.targets[4].weight: 1001 is out of range 1..1000");
        assertProblem(problems, "upstreams.users.connect-timeout: '10 seconds' is not a duration");
        assertProblem(problems, "upstreams.users.timeout: must be more than zero");
        assertProblem(problems, "upstreams.users.max-connections: -1 is out of range");
        assertProblem(problems, "upstreams.users.balancer: unknown balancer 'fastest'");
        assertProblem(problems, "routes[0].upstream: no upstream named 'nosuch'");
        assertProblem(problems, "routes[1].colour: unknown key");
        assertProblem(problems, "routes[2].id: 'a' is already the id of routes[0]");
        assertProblem(problems, "routes[3].rewrite: use either strip-prefix or rewrite, not both");
        assertProblem(problems, "routes[4].rewrite: '/x/{name}' uses {name} but the path '/e/{id}' has no such parameter");
        assertProblem(problems, "routes[5].path: ");
        assertProblem(problems, "routes[6].methods[1]: unknown method 'FETCH'");
        assertProblem(problems, "routes[6].timeout: '5x' is not a duration");
        assertProblem(problems, "routes[6].preserve-host: 'maybe' must be true or false");
        assertEquals(18, problems.size(), "one problem each, no more: " + problems);
    }

    @Test
    void aFlagThatIsNotASingleValueIsOneProblemNotTwo() {
        List<String> problems = problems(UPSTREAM + """
                routes:
                  - {id: a, path: /a, upstream: users, preserve-host: [true]}
                  - {id: b, path: /b, upstream: users, preserve-host: "${NO_SUCH_FLAG}"}
                """, name -> null);
        assertProblem(problems, "routes[0].preserve-host: must be a single value");
        assertProblem(problems, "routes[1].preserve-host: ");
        assertEquals(2, problems.size(), "one problem each, no more: " + problems);
    }

    @Test
    void unknownTopLevelAndUpstreamKeysAreNamed() {
        List<String> problems = problems(UPSTREAM + """
                    retries: 3
                    targets-extra: []
                routes:
                  - {id: a, path: /a, upstream: users}
                extras: {}
                """);
        assertProblem(problems, "upstreams.users.retries: unknown key");
        assertProblem(problems, "upstreams.users.targets-extra: unknown key");
        assertProblem(problems, "extras: unknown key");
    }

    @Test
    void targetUrlWithoutHostOrUnparseableIsRefused() {
        List<String> problems = problems("""
                upstreams:
                  users:
                    targets:
                      - url: http://
                      - url: "http://bad host:80"
                      - weight: 2
                routes:
                  - {id: a, path: /a, upstream: users}
                """);
        assertProblem(problems, "upstreams.users.targets[0].url: ");
        assertProblem(problems, "upstreams.users.targets[1].url: ");
        assertProblem(problems, "upstreams.users.targets[2].url: required");
    }

    @Test
    void missingUpstreamsAndRoutesAreRequired() {
        List<String> problems = problems("upstreams: {}\nroutes: []\n");
        assertProblem(problems, "upstreams: required: at least one upstream");
        assertProblem(problems, "routes: required: at least one route");

        List<String> none = problems("foo: 1\n");
        assertProblem(none, "foo: unknown key");
        assertProblem(none, "upstreams: required: at least one upstream");
        assertProblem(none, "routes: required: at least one route");
    }

    @Test
    void wrongShapesAreNamed() {
        List<String> problems = problems("""
                upstreams:
                  users:
                    targets: http://127.0.0.1:3001
                routes:
                  id: a
                """);
        assertProblem(problems, "upstreams.users.targets: must be a list, not 'http://127.0.0.1:3001'");
        assertProblem(problems, "routes: must be a list, not a mapping");
    }

    @Test
    void badPathPatternsAreRefusedWithTheirKeyPath() {
        List<String> problems = problems(UPSTREAM + """
                routes:
                  - {id: r0, path: api/users, upstream: users}
                  - {id: r1, path: "/files/**/x", upstream: users}
                  - {id: r2, path: "/users/{id}/{id}", upstream: users}
                  - {id: r3, path: "/users/x{id}", upstream: users}
                  - {id: r4, path: "/users/../admin", upstream: users}
                """);
        assertProblem(problems, "routes[0].path: 'api/users' must start with '/'");
        assertProblem(problems, "routes[1].path: '/files/**/x': '**' is allowed only as the last segment");
        assertProblem(problems, "routes[2].path: '/users/{id}/{id}' names the parameter {id} twice");
        assertProblem(problems, "routes[3].path: '/users/x{id}': a parameter is a whole segment");
        assertProblem(problems, "routes[4].path: '/users/../admin': '.' and '..' segments never match");
        assertEquals(5, problems.size(), problems.toString());
    }

    @Test
    void rewriteWithRestNeedsARestInThePath() {
        List<String> problems = problems(UPSTREAM + """
                routes:
                  - {id: r0, path: "/users/{id}", upstream: users, rewrite: "/v2/{**}"}
                  - {id: r1, path: "/users/**", upstream: users, rewrite: "v2/{**}"}
                """);
        assertProblem(problems, "routes[0].rewrite: '/v2/{**}' uses {**} but the path '/users/{id}' has no /**");
        assertProblem(problems, "routes[1].rewrite: 'v2/{**}' must start with '/'");
    }

    @Test
    void badRouteIdHostHeaderAndStripPrefixAreNamed() {
        List<String> problems = problems(UPSTREAM + """
                routes:
                  - id: "has space"
                    path: /a
                    upstream: users
                    host: "api.example.com:8080"
                    headers: {"Bad Header": x}
                    strip-prefix: /a/
                """);
        assertProblem(problems, "routes[0].id: 'has space': a route id is 1-64 letters");
        assertProblem(problems, "routes[0].host: 'api.example.com:8080' is not a host name");
        assertProblem(problems, "routes[0].headers.Bad Header: 'Bad Header' is not a header name");
        assertProblem(problems, "routes[0].strip-prefix: '/a/' must start with '/' and not end with '/'");
    }

    @Test
    void edgeLimitsAndTimeoutsAreReadAndBadOnesNamed() throws Exception {
        GatehouseConfig config = parse(UPSTREAM.replace("users:\n", "users:\n    send-timeout: 5s\n") + """
                routes:
                  - {id: a, path: /a, upstream: users}
                server:
                  client-header-timeout: 5s
                  client-body-timeout: 20s
                  http2: {max-concurrent-streams: 50, max-header-list-size: 16KB, max-resets-per-window: 100, reset-window: 10s}
                """);
        assertEquals(Duration.ofSeconds(5), config.server().clientHeaderTimeout());
        assertEquals(Duration.ofSeconds(20), config.server().clientBodyTimeout());
        assertEquals(new ServerConfig.Http2Limits(50, 16 * 1024, 100, Duration.ofSeconds(10)), config.server().http2());
        assertEquals(Duration.ofSeconds(5), config.upstreams().get("users").sendTimeout());
        GatehouseConfig defaults = parse(UPSTREAM + """
                routes:
                  - {id: a, path: /a, upstream: users}
                """);
        assertEquals(ServerConfig.Http2Limits.DEFAULT, defaults.server().http2());
        assertEquals(defaults.upstreams().get("users").timeout(), defaults.upstreams().get("users").sendTimeout(),
                "send-timeout defaults to timeout");
        List<String> problems = problems(UPSTREAM + """
                routes:
                  - {id: a, path: /a, upstream: users}
                server:
                  client-header-timeout: soon
                  http2: {max-concurrent-streams: 0, max-header-list-size: 10GB, colour: red}
                """);
        assertProblem(problems, "server.client-header-timeout:");
        assertProblem(problems, "server.http2.max-concurrent-streams: 0 is out of range");
        assertProblem(problems, "server.http2.max-header-list-size:");
        assertProblem(problems, "server.http2.colour: unknown");
    }

    @Test
    void notYetAvailableFeaturesAreRefusedNotIgnored() {
        List<String> problems = problems(UPSTREAM + """
                routes:
                  - id: a
                    path: /a
                    upstream: users
                    auth: api-key
                    rate-limit: [per-user]
                    cache: {ttl: 2m}
                  - id: b
                    path: /b
                    upstream: users
                    auth: magic
                rate-limits:
                  per-ip: {key: ip, limits: [100/1m]}
                cache:
                  store: local
                """);
        assertProblem(problems, "rate-limits: is not available in this version of Gatehouse yet");
        assertProblem(problems, "cache: is not available in this version of Gatehouse yet");
        assertProblem(problems, "routes[0].rate-limit: is not available");
        assertProblem(problems, "routes[0].cache: is not available");
        assertProblem(problems, "routes[1].auth: unknown auth 'magic'");
    }

    @Test
    void invalidYamlIsReportedWithItsLineNumber() {
        List<String> problems = problems("""
                upstreams:
                  users:
                    targets: [
                routes: x
                """);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).matches("not valid YAML at line \\d+, column \\d+: .*"), problems.get(0));

        List<String> tabs = problems("upstreams:\n  users:\n\ttargets: []\n");
        assertTrue(tabs.get(0).startsWith("not valid YAML at line 3, column 1"), tabs.get(0));
    }

    @Test
    void emptyFileIsRefused() {
        assertEquals(List.of("(file): the file is empty; it needs at least 'upstreams' and 'routes'"), problems(""));
        assertEquals(List.of("(file): the file is empty; it needs at least 'upstreams' and 'routes'"),
                problems("# only a comment\n\n"));
        assertEquals(List.of("(file): must be a mapping (key: value), not 'just text'"), problems("just text"));
    }

    @Test
    void duplicateYamlKeysAreRefusedWithTheirLine() {
        List<String> problems = problems("""
                upstreams:
                  users:
                    targets:
                      - url: http://127.0.0.1:3001
                routes:
                  - id: a
                    path: /a
                    path: /b
                    upstream: users
                """);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("not valid YAML at line 8"), problems.get(0));
        assertTrue(problems.get(0).contains("duplicate key path"), problems.get(0));
    }

    @Test
    void variablesAreSubstitutedWithDefaults() throws Exception {
        Map<String, String> env = Map.of("USERS_HOST", "10.0.0.7", "USERS_TIMEOUT", "7s", "W", "3");
        GatehouseConfig config = ConfigParser.parse("test.yaml", """
                upstreams:
                  users:
                    targets:
                      - url: http://${USERS_HOST}:${USERS_PORT:3001}
                        weight: ${W}
                    timeout: ${USERS_TIMEOUT}
                    connect-timeout: ${CONNECT:2s}
                routes:
                  - id: a
                    path: /a
                    upstream: users
                    host: ${API_HOST:api.example.com}
                """, env::get);
        UpstreamConfig users = config.upstreams().get("users");
        assertEquals(List.of(new TargetConfig("http", "10.0.0.7", 3001, 3)), users.targets());
        assertEquals(Duration.ofSeconds(7), users.timeout());
        assertEquals(Duration.ofSeconds(2), users.connectTimeout());
        assertEquals("api.example.com", config.routes().get(0).host());
    }

    @Test
    void aSetVariableWinsOverItsDefault() throws Exception {
        GatehouseConfig config = ConfigParser.parse("test.yaml", UPSTREAM + """
                routes:
                  - {id: a, path: /a, upstream: users, host: "${API_HOST:default.example.com}"}
                """, name -> name.equals("API_HOST") ? "set.example.com" : null);
        assertEquals("set.example.com", config.routes().get(0).host());
    }

    @Test
    void anUnsetVariableWithoutDefaultIsAProblemAtItsKeyPath() {
        List<String> problems = problems("""
                upstreams:
                  users:
                    targets:
                      - url: http://${USERS_HOST}:3001
                routes:
                  - {id: a, path: /a, upstream: users}
                """);
        assertEquals(List.of("upstreams.users.targets[0].url: variable ${USERS_HOST} is not set "
                + "(give it a default: ${USERS_HOST:value})"), problems);
    }

    @Test
    void routesThatCouldNeverMatchAreRefused() {
        List<String> problems = problems(UPSTREAM + """
                routes:
                  - {id: first, path: "/users/{id}", methods: [GET, POST], upstream: users}
                  - {id: second, path: "/users/{name}", methods: [POST], upstream: users}
                """);
        assertEquals(List.of("routes[1]: same path, host and headers as routes[0] ('first') with overlapping methods: "
                + "it could never match"), problems);

        List<String> anyMethod = problems(UPSTREAM + """
                routes:
                  - {id: first, path: "/files/**", upstream: users}
                  - {id: second, path: "/files//**/", methods: [GET], upstream: users}
                """);
        assertProblem(anyMethod, "routes[1]: same path, host and headers as routes[0] ('first')");
    }

    @Test
    void headerConditionsDifferingOnlyInNameCaseAreTheSameShape() {
        List<String> problems = problems(UPSTREAM + """
                routes:
                  - {id: first, path: /v, headers: {X-Api-Version: "2"}, upstream: users}
                  - {id: second, path: /v, headers: {x-api-version: "2"}, upstream: users}
                """);
        assertEquals(List.of("routes[1]: same path, host and headers as routes[0] ('first') with overlapping methods: "
                + "it could never match"), problems);
    }

    @Test
    void routesWithTheSamePathButDifferentMethodsHostOrHeadersAreAllowed() throws Exception {
        GatehouseConfig config = parse(UPSTREAM + """
                routes:
                  - {id: read, path: "/users/{id}", methods: [GET], upstream: users}
                  - {id: write, path: "/users/{id}", methods: [PUT, DELETE], upstream: users}
                  - {id: on-host, path: "/users/{id}", methods: [GET], host: api.example.com, upstream: users}
                  - {id: v2, path: "/users/{id}", methods: [GET], headers: {X-Api-Version: "2"}, upstream: users}
                  - {id: rest, path: "/users/**", methods: [GET], upstream: users}
                """);
        assertEquals(List.of("read", "write", "on-host", "v2", "rest"),
                config.routes().stream().map(RouteConfig::id).toList());
    }

    @Test
    void balancingAndHealthSectionsParseWithTheirDefaults() throws Exception {
        GatehouseConfig config = parse("""
                upstreams:
                  hashed:
                    targets: [{url: http://127.0.0.1:3001}]
                    balancer: consistent-hash
                    hash-on: cookie:session
                    health-check: {path: /health}
                    outlier: {}
                  plain:
                    targets: [{url: http://127.0.0.1:3002}]
                    balancer: consistent-hash
                  least:
                    targets: [{url: http://127.0.0.1:3003}]
                    balancer: least-connections
                    health-check: {path: /ready, interval: 5s, timeout: 1s, unhealthy-after: 2, healthy-after: 3}
                    outlier: {consecutive-failures: 7, eject-for: 1m}
                routes:
                  - {id: a, path: /a, upstream: hashed}
                """);
        UpstreamConfig hashed = config.upstreams().get("hashed");
        assertEquals(new HashOn("cookie", "session"), hashed.hashOn());
        assertEquals(new HealthCheckConfig("/health", java.time.Duration.ofSeconds(10), java.time.Duration.ofSeconds(2), 3, 1),
                hashed.healthCheck());
        assertEquals(new OutlierConfig(5, java.time.Duration.ofSeconds(30)), hashed.outlier());
        assertEquals(HashOn.IP, config.upstreams().get("plain").hashOn(), "consistent-hash keys on the client IP by default");
        UpstreamConfig least = config.upstreams().get("least");
        assertEquals(null, least.hashOn());
        assertEquals(new HealthCheckConfig("/ready", java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(1), 2, 3),
                least.healthCheck());
        assertEquals(new OutlierConfig(7, java.time.Duration.ofMinutes(1)), least.outlier());
    }

    @Test
    void badBalancingAndHealthSettingsNameTheirKeys() {
        List<String> problems = problems("""
                upstreams:
                  a:
                    targets: [{url: http://127.0.0.1:3001}]
                    balancer: fastest
                  b:
                    targets: [{url: http://127.0.0.1:3001}]
                    hash-on: header:X-User
                  c:
                    targets: [{url: http://127.0.0.1:3001}]
                    balancer: consistent-hash
                    hash-on: body:x
                    health-check: {path: health, interval: 1s, timeout: 5s, unhealthy-after: 0, colour: red}
                    outlier: {consecutive-failures: many, eject-for: soon}
                  d:
                    targets: [{url: http://127.0.0.1:3001}]
                    health-check: {interval: 1s}
                routes:
                  - {id: a, path: /a, upstream: a}
                """);
        assertProblem(problems, "upstreams.a.balancer: unknown balancer 'fastest'");
        assertProblem(problems, "upstreams.b.hash-on: only a consistent-hash balancer uses hash-on");
        assertProblem(problems, "upstreams.c.hash-on: 'body:x' must be ip, header:NAME, cookie:NAME, query:NAME or claim:NAME");
        assertProblem(problems("""
                upstreams:
                  u:
                    targets: [{url: http://127.0.0.1:3001}]
                    balancer: consistent-hash
                    hash-on: claim:email
                routes:
                  - {id: a, path: /a, upstream: u}
                """), "upstreams.u.hash-on: 'claim:email': the claims available for hashing are sub (the user id) and tier");
        assertProblem(problems, "upstreams.c.health-check.path: 'health' must start with '/'");
        assertProblem(problems, "upstreams.c.health-check.timeout: must not be longer than the interval");
        assertProblem(problems, "upstreams.c.health-check.unhealthy-after: 0 is out of range");
        assertProblem(problems, "upstreams.c.health-check.colour: unknown key");
        assertProblem(problems, "upstreams.c.outlier.consecutive-failures: 'many' is not a whole number");
        assertProblem(problems, "upstreams.c.outlier.eject-for: 'soon' is not a duration");
        assertProblem(problems, "upstreams.d.health-check.path: required");
    }

    @Test
    void retryParsesTheContractsOnListWhichYaml11WouldReadAsABoolean() throws Exception {
        GatehouseConfig config = parse("""
                upstreams:
                  users:
                    targets: [{url: http://127.0.0.1:3001}]
                    retry:
                      attempts: 3
                      on: [connect-failure, 502, 503]
                      backoff: 50ms
                      methods: [GET, put]
                routes:
                  - {id: a, path: /a, upstream: users}
                """);
        RetryConfig retry = config.upstreams().get("users").retry();
        assertEquals(new RetryConfig(3, true, java.util.Set.of(502, 503), java.time.Duration.ofMillis(50),
                java.util.Set.of("GET", "PUT")), retry);
        List<String> problems = problems(UPSTREAM + """
                    retry: {attempts: 0, on: [404, soon], colour: red}
                routes:
                  - {id: a, path: /a, upstream: users}
                """);
        assertProblem(problems, "upstreams.users.retry.attempts: 0 is out of range");
        assertProblem(problems, "upstreams.users.retry.on[0]: '404' must be connect-failure, 429 or a 5xx status");
        assertProblem(problems, "upstreams.users.retry.on[1]: 'soon' must be");
        assertProblem(problems, "upstreams.users.retry.colour: unknown key");
    }

    @Test
    void circuitBreakersParseWithDefaultsAndRefuseBadRatios() throws Exception {
        GatehouseConfig config = parse("""
                upstreams:
                  a:
                    targets: [{url: http://127.0.0.1:3001}]
                    circuit-breaker: {}
                  b:
                    targets: [{url: http://127.0.0.1:3002}]
                    circuit-breaker: {failure-ratio: 0.25, request-volume: 10, delay: 2s}
                routes:
                  - {id: a, path: /a, upstream: a}
                """);
        assertEquals(new CircuitBreakerConfig(0.5, 20, java.time.Duration.ofSeconds(10)), config.upstreams().get("a").circuitBreaker());
        assertEquals(new CircuitBreakerConfig(0.25, 10, java.time.Duration.ofSeconds(2)), config.upstreams().get("b").circuitBreaker());
        List<String> problems = problems(UPSTREAM + """
                    circuit-breaker: {failure-ratio: 1.5, request-volume: 0, delay: never}
                routes:
                  - {id: a, path: /a, upstream: users}
                """);
        assertProblem(problems, "upstreams.users.circuit-breaker.failure-ratio: '1.5' must be a share between 0 and 1");
        assertProblem(problems, "upstreams.users.circuit-breaker.request-volume: 0 is out of range");
        assertProblem(problems, "upstreams.users.circuit-breaker.delay: 'never' is not a duration");
        assertProblem(problems(UPSTREAM + """
                    circuit-breaker: {failure-ratio: 0}
                routes:
                  - {id: a, path: /a, upstream: users}
                """), "upstreams.users.circuit-breaker.failure-ratio: must be more than 0");
        // a percentage is read as the same share
        GatehouseConfig percent = ConfigParser.parse("test", UPSTREAM + """
                    circuit-breaker: {failure-ratio: "25%"}
                routes:
                  - {id: a, path: /a, upstream: users}
                """);
        assertEquals(0.25, percent.upstreams().get("users").circuitBreaker().failureRatio());
    }

    @Test
    void serverTrustedProxiesAreCheckedByKeyPath() throws Exception {
        String routes = """
                routes:
                  - {id: users, path: /api/users/**, upstream: users}
                """;
        GatehouseConfig ok = parse(UPSTREAM + routes + """
                server:
                  trusted-proxies: [10.0.0.0/8, 192.168.1.7, "2001:db8::/32"]
                """);
        assertEquals(List.of("10.0.0.0/8", "192.168.1.7", "2001:db8::/32"), ok.server().trustedProxies());
        assertEquals(List.of(), parse(UPSTREAM + routes).server().trustedProxies());
        List<String> problems = problems(UPSTREAM + routes + """
                server:
                  trusted-proxies: [lb.example.com, 10.0.0.0/33, 10.0.0.0/x]
                  tls: {port: 8443}
                """);
        assertProblem(problems, "server.trusted-proxies[0]: 'lb.example.com' is not an IP address or CIDR range");
        assertProblem(problems, "server.trusted-proxies[1]: '10.0.0.0/33': the prefix length must be 0..32");
        assertProblem(problems, "server.trusted-proxies[2]: '10.0.0.0/x': the prefix length must be a number");
        assertProblem(problems, "server.tls.certificates: required");
    }

    @Test
    void allowInPathTakesKnownValuesAndPathParamsNeedAnUnchangedPath() throws Exception {
        GatehouseConfig ok = parse(UPSTREAM + """
                routes:
                  - {id: repos, path: /repos/**, upstream: users, allow-in-path: [encoded-slash, path-params]}
                """);
        assertEquals(RouteConfig.ALLOW_ENCODED_SLASH | RouteConfig.ALLOW_PATH_PARAMS, ok.routes().get(0).allowInPath());
        List<String> problems = problems(UPSTREAM + """
                routes:
                  - {id: a, path: /a/**, upstream: users, allow-in-path: [slashes]}
                  - {id: b, path: /b/**, upstream: users, strip-prefix: /b, allow-in-path: [path-params]}
                """);
        assertProblem(problems, "routes[0].allow-in-path[0]: unknown 'slashes' (encoded-slash | path-params)");
        assertProblem(problems, "routes[1].allow-in-path: path-params needs the path forwarded as it came");
    }
}
