package io.gatehouse.config;

import io.gatehouse.routing.PathPattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the YAML text of a config file into a {@link GatehouseConfig}, or a {@link ConfigException} listing
 * every problem with its key path. YAML is read into plain maps and lists (SnakeYAML's safe constructor, no
 * object binding, so nothing here needs reflection in a native image); the binding below is ours so that
 * errors can name the exact key.
 *
 * <p>String values may reference {@code ${NAME}} or {@code ${NAME:default}}, resolved from system properties,
 * then the environment: secrets and addresses can come from the pod spec instead of the ConfigMap.
 */
public final class ConfigParser {
    private static final Set<String> TOP_LEVEL = Set.of("upstreams", "routes", "auth", "rate-limits", "cache");
    private static final Set<String> NOT_YET = Set.of("rate-limits", "cache");
    private static final Set<String> AUTH_KEYS = Set.of("api-keys", "jwt", "issuer");
    private static final Set<String> AUTH_NOT_YET = Set.of();
    private static final Set<String> ISSUER_KEYS = Set.of("private-key", "issuer", "audience", "expires-in", "kid");
    private static final Duration MAX_TOKEN_LIFETIME = Duration.ofHours(24);
    private static final java.util.regex.Pattern KID = java.util.regex.Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Set<String> JWT_KEYS = Set.of("issuer", "audiences", "public-key", "secret", "jwks-url",
            "clock-skew", "roles-claim");
    private static final Set<String> JWT_NOT_YET = Set.of();
    private static final Pattern CLAIM_NAME = Pattern.compile("[A-Za-z0-9_:.-]{1,64}");
    private static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(10);
    private static final Set<String> API_KEYS_KEYS = Set.of("header", "keys");
    private static final Set<String> API_KEY_KEYS = Set.of("id", "hash", "roles", "tier");
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** Roles travel upstream comma-joined in X-User-Role: no commas, spaces or control characters. */
    private static final Pattern ROLE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}");
    /** Headers the gateway sets, removes or needs for framing: none of them can carry an API key. */
    private static final Set<String> RESERVED_HEADERS = Set.of("host", "expect", "x-user-id", "x-user-role",
            "x-authenticated", "x-request-id", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "connection",
            "keep-alive", "te", "trailer", "upgrade", "transfer-encoding", "proxy-connection", "content-length",
            "content-type", "cookie");
    private static final Pattern KEY_HASH = Pattern.compile("sha256:([0-9a-f]{64})");
    private static final Set<String> UPSTREAM_KEYS = Set.of("targets", "balancer", "hash-on", "connect-timeout", "timeout",
            "max-connections", "health-check", "outlier", "circuit-breaker", "retry");
    private static final Set<String> UPSTREAM_NOT_YET = Set.of();
    private static final Set<String> BREAKER_KEYS = Set.of("failure-ratio", "request-volume", "delay");
    private static final Set<String> RETRY_KEYS = Set.of("attempts", "on", "backoff", "methods");
    private static final Set<String> BALANCERS = Set.of(UpstreamConfig.ROUND_ROBIN, UpstreamConfig.LEAST_CONNECTIONS,
            UpstreamConfig.CONSISTENT_HASH, UpstreamConfig.RANDOM_TWO_CHOICES);
    private static final Set<String> HEALTH_CHECK_KEYS = Set.of("path", "interval", "timeout", "unhealthy-after", "healthy-after");
    private static final Set<String> OUTLIER_KEYS = Set.of("consecutive-failures", "eject-for");
    private static final Pattern HASH_ON = Pattern.compile("(header|cookie|query|claim):(.+)");
    private static final Set<String> TARGET_KEYS = Set.of("url", "weight");
    private static final Set<String> ROUTE_KEYS = Set.of("id", "path", "methods", "host", "headers", "upstream", "strip-prefix",
            "rewrite", "auth", "roles", "forward-credentials", "rate-limit", "cache", "timeout", "preserve-host");
    private static final Set<String> ROUTE_NOT_YET = Set.of("rate-limit", "cache");
    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE");
    private static final Pattern ROUTE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern UPSTREAM_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?");
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_.-]*)(?::([^}]*))?}");

    /**
     * YAML 1.1 reads {@code on}, {@code off}, {@code yes} and {@code no} as booleans, even as keys, which would
     * turn the contract's {@code retry.on} into {@code true}. Only true and false are booleans here (YAML 1.2).
     */
    static final class Yaml12Booleans extends Resolver {
        @Override
        protected void addImplicitResolvers() {
            addImplicitResolver(Tag.BOOL, Pattern.compile("^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF");
            addImplicitResolver(Tag.INT, INT, "-+0123456789");
            addImplicitResolver(Tag.FLOAT, FLOAT, "-+0123456789.");
            addImplicitResolver(Tag.MERGE, MERGE, "<");
            addImplicitResolver(Tag.NULL, NULL, "~nN\0");
            addImplicitResolver(Tag.NULL, EMPTY, null);
        }
    }

    private final UnaryOperator<String> variables;
    private final List<String> problems = new ArrayList<>();

    private ConfigParser(UnaryOperator<String> variables) {
        this.variables = variables;
    }

    /** Parses with {@code ${NAME}} taken from system properties, then the environment. */
    public static GatehouseConfig parse(String source, String yaml) throws ConfigException {
        return parse(source, yaml, name -> {
            String value = System.getProperty(name);
            return value != null ? value : System.getenv(name);
        });
    }

    public static GatehouseConfig parse(String source, String yaml, UnaryOperator<String> variables) throws ConfigException {
        ConfigParser parser = new ConfigParser(variables);
        Object root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            options.setMaxAliasesForCollections(20);
            options.setCodePointLimit(4 * 1024 * 1024);
            options.setNestingDepthLimit(30);
            root = new Yaml(new SafeConstructor(options), new Representer(new DumperOptions()), new DumperOptions(),
                    options, new Yaml12Booleans()).load(yaml);
        } catch (MarkedYAMLException e) {
            String where = e.getProblemMark() == null ? "" : " at line " + (e.getProblemMark().getLine() + 1)
                    + ", column " + (e.getProblemMark().getColumn() + 1);
            throw new ConfigException(source, List.of("not valid YAML" + where + ": " + e.getProblem()));
        } catch (YAMLException e) {
            throw new ConfigException(source, List.of("not valid YAML: " + e.getMessage()));
        }
        GatehouseConfig config = parser.root(root);
        if (!parser.problems.isEmpty()) {
            throw new ConfigException(source, parser.problems);
        }
        return config;
    }

    private GatehouseConfig root(Object root) {
        if (root == null) {
            problem("(file)", "the file is empty; it needs at least 'upstreams' and 'routes'");
            return null;
        }
        Map<String, Object> map = map(root, "(file)");
        if (map == null) {
            return null;
        }
        checkKeys(map, "", TOP_LEVEL, NOT_YET);
        Map<String, UpstreamConfig> upstreams = upstreams(map.get("upstreams"));
        AuthConfig auth = auth(map.get("auth"));
        // Whether the file has the section at all, so a route's 'auth: api-key' is not also reported when the
        // section is there but has problems of its own.
        boolean apiKeysGiven = map.get("auth") instanceof Map<?, ?> a && a.get("api-keys") != null;
        boolean jwtGiven = map.get("auth") instanceof Map<?, ?> a && (a.get("jwt") != null || a.get("issuer") != null);
        List<RouteConfig> routes = routes(map.get("routes"), upstreams, apiKeysGiven, jwtGiven);
        return problems.isEmpty() ? new GatehouseConfig(Map.copyOf(upstreams), List.copyOf(routes), auth) : null;
    }

    // ---- auth

    private AuthConfig auth(Object node) {
        if (node == null) {
            return null;
        }
        Map<String, Object> map = map(node, "auth");
        if (map == null) {
            return null;
        }
        checkKeys(map, "auth.", AUTH_KEYS, AUTH_NOT_YET);
        if (map.isEmpty()) {
            problem("auth", "must configure jwt or api-keys (or leave auth out)");
        }
        ApiKeysConfig apiKeys = apiKeys(map.get("api-keys"), "auth.api-keys");
        JwtConfig jwt = jwt(map.get("jwt"), "auth.jwt");
        IssuerConfig issuer = issuer(map.get("issuer"), "auth.issuer", map.get("api-keys") != null,
                map.get("jwt") != null, jwt);
        return new AuthConfig(apiKeys, jwt, issuer);
    }

    private IssuerConfig issuer(Object node, String path, boolean apiKeysGiven, boolean jwtGiven, JwtConfig jwt) {
        if (node == null) {
            return null;
        }
        Map<String, Object> map = map(node, path);
        if (map == null) {
            return null;
        }
        int before = problems.size();
        checkKeys(map, path + ".", ISSUER_KEYS, Set.of());
        if (!apiKeysGiven) {
            problem(path, "needs auth.api-keys: clients present their API key to get a token");
        }
        // never echoed: a private key must not end up in a log
        String pem = string(map.get("private-key"), path + ".private-key", true);
        java.security.KeyPair keys = null;
        if (pem != null) {
            try {
                keys = io.gatehouse.auth.PemKeys.privateKey(pem);
            } catch (IllegalArgumentException e) {
                problem(path + ".private-key", e.getMessage());
            }
        }
        String issuer = string(map.get("issuer"), path + ".issuer", false);
        if (issuer == null && map.get("issuer") == null) {
            if (jwt != null) {
                issuer = jwt.issuer();
            } else if (!jwtGiven) {
                problem(path + ".issuer", "required when there is no auth.jwt to take it from");
            }
        } else if (issuer != null && issuer.isBlank()) {
            problem(path + ".issuer", "must not be empty");
        }
        String audience = string(map.get("audience"), path + ".audience", false);
        if (audience != null && audience.isBlank()) {
            problem(path + ".audience", "must not be empty (or leave it out)");
        }
        Duration expiresIn = duration(map.get("expires-in"), path + ".expires-in",
                Duration.ofMinutes(IssuerConfig.DEFAULT_EXPIRES_IN_MINUTES));
        if (expiresIn.compareTo(Duration.ofSeconds(10)) < 0 || expiresIn.compareTo(MAX_TOKEN_LIFETIME) > 0) {
            problem(path + ".expires-in", "must be between 10s and 24h");
        }
        String kid = string(map.get("kid"), path + ".kid", false);
        if (kid != null && !KID.matcher(kid).matches()) {
            problem(path + ".kid", "'" + kid + "' is not a usable kid (1-128 letters, digits, '.', '_', ':' or '-')");
        }
        if (problems.size() > before || keys == null || issuer == null) {
            return null;
        }
        if (kid == null) {
            kid = io.gatehouse.auth.TokenIssuer.thumbprint(keys.getPublic());
        }
        return new IssuerConfig(keys, issuer, audience, expiresIn, kid);
    }

    private JwtConfig jwt(Object node, String path) {
        if (node == null) {
            return null;
        }
        Map<String, Object> map = map(node, path);
        if (map == null) {
            return null;
        }
        int before = problems.size();
        checkKeys(map, path + ".", JWT_KEYS, JWT_NOT_YET);
        String issuer = string(map.get("issuer"), path + ".issuer", true);
        List<String> audiences = new ArrayList<>();
        List<Object> list = list(map.get("audiences"), path + ".audiences", false);
        if (list != null) {
            if (list.isEmpty()) {
                problem(path + ".audiences", "must list at least one audience (or leave it out)");
            }
            for (int i = 0; i < list.size(); i++) {
                String audience = string(list.get(i), path + ".audiences[" + i + "]", true);
                if (audience != null) {
                    audiences.add(audience);
                }
            }
        }
        // Neither value is ever echoed: a private key or a secret pasted here must not end up in a log.
        String pem = string(map.get("public-key"), path + ".public-key", false);
        String secretText = string(map.get("secret"), path + ".secret", false);
        java.security.PublicKey publicKey = null;
        byte[] secret = null;
        String jwksUrl = string(map.get("jwks-url"), path + ".jwks-url", false);
        int given = (map.get("public-key") != null ? 1 : 0) + (map.get("secret") != null ? 1 : 0)
                + (map.get("jwks-url") != null ? 1 : 0);
        if (given > 1) {
            problem(path, "give exactly one of public-key, secret and jwks-url");
        } else if (given == 0) {
            problem(path, "needs a verification key: public-key (PEM, RSA or EC), jwks-url (the issuer's JWKS) or "
                    + "secret (HS256)");
        } else if (pem != null) {
            try {
                publicKey = io.gatehouse.auth.PemKeys.publicKey(pem);
            } catch (IllegalArgumentException e) {
                problem(path + ".public-key", e.getMessage());
            }
        } else if (secretText != null) {
            secret = secretText.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (secret.length < JwtConfig.MIN_SECRET_BYTES) {
                problem(path + ".secret", "an HS256 secret needs at least " + JwtConfig.MIN_SECRET_BYTES
                        + " bytes; this one has " + secret.length);
            }
        } else if (jwksUrl != null) {
            jwksUrl = jwksUrl(jwksUrl, path + ".jwks-url");
        }
        Duration clockSkew = Duration.ofSeconds(JwtConfig.DEFAULT_CLOCK_SKEW_SECONDS);
        if (map.get("clock-skew") != null) {
            String text = string(map.get("clock-skew"), path + ".clock-skew", true);
            if (text != null) {
                try {
                    clockSkew = Durations.parse(text);
                    if (clockSkew.compareTo(MAX_CLOCK_SKEW) > 0) {
                        problem(path + ".clock-skew", "'" + text + "' is more than the most allowed, 10m");
                    }
                } catch (IllegalArgumentException e) {
                    problem(path + ".clock-skew", e.getMessage());
                }
            }
        }
        String rolesClaim = string(map.get("roles-claim"), path + ".roles-claim", false);
        if (rolesClaim == null) {
            rolesClaim = JwtConfig.DEFAULT_ROLES_CLAIM;
        } else if (!CLAIM_NAME.matcher(rolesClaim).matches()) {
            problem(path + ".roles-claim", "'" + rolesClaim + "' is not a claim name (1-64 letters, digits, '_', ':', "
                    + "'.' or '-'; nested claims are not supported yet)");
        }
        if (problems.size() > before || issuer == null || (publicKey == null && secret == null && jwksUrl == null)) {
            return null;
        }
        return new JwtConfig(issuer, new LinkedHashSet<>(audiences), publicKey, secret, clockSkew, rolesClaim, jwksUrl);
    }

    /** An absolute http(s) URL with a host and no user info or fragment; null (and a problem) otherwise. */
    private String jwksUrl(String text, String path) {
        java.net.URI uri;
        try {
            uri = new java.net.URI(text);
        } catch (java.net.URISyntaxException e) {
            problem(path, "'" + text + "' is not a URL");
            return null;
        }
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            problem(path, "'" + text + "' must be an http:// or https:// URL");
            return null;
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            problem(path, "'" + text + "' must be an absolute URL with a host, without user info or fragment");
            return null;
        }
        return text;
    }

    private ApiKeysConfig apiKeys(Object node, String path) {
        Map<String, Object> map = section(node, path, API_KEYS_KEYS);
        if (map == null) {
            return null;
        }
        String header = string(map.get("header"), path + ".header", false);
        if (header == null) {
            header = ApiKeysConfig.DEFAULT_HEADER;
        } else if (!HEADER_NAME.matcher(header).matches()) {
            problem(path + ".header", "'" + header + "' is not a header name");
        } else if (RESERVED_HEADERS.contains(header.toLowerCase(Locale.ROOT).replace('_', '-'))) {
            problem(path + ".header", "'" + header + "' is a header the gateway sets or removes itself; use e.g. X-API-Key");
        }
        List<ApiKeyConfig> keys = new ArrayList<>();
        List<Object> list = list(map.get("keys"), path + ".keys", true);
        if (list != null) {
            if (list.isEmpty()) {
                problem(path + ".keys", "required: at least one key");
            }
            Map<String, Integer> ids = new HashMap<>();
            Map<String, Integer> hashes = new HashMap<>();
            for (int i = 0; i < list.size(); i++) {
                ApiKeyConfig key = apiKey(list.get(i), path + ".keys", i, ids, hashes);
                if (key != null) {
                    keys.add(key);
                }
            }
        }
        return new ApiKeysConfig(header, List.copyOf(keys));
    }

    private ApiKeyConfig apiKey(Object node, String listPath, int index, Map<String, Integer> ids,
                                Map<String, Integer> hashes) {
        String path = listPath + "[" + index + "]";
        Map<String, Object> map = map(node, path);
        if (map == null) {
            return null;
        }
        int before = problems.size();
        checkKeys(map, path + ".", API_KEY_KEYS, Set.of());
        String id = string(map.get("id"), path + ".id", true);
        if (id != null && !KEY_ID.matcher(id).matches()) {
            problem(path + ".id", "'" + id + "': a key id is 1-64 letters, digits, '.', '_' or '-'");
        } else if (id != null) {
            Integer previous = ids.putIfAbsent(id, index);
            if (previous != null) {
                problem(path + ".id", "'" + id + "' is already the id of " + listPath + "[" + previous + "]");
            }
        }
        // The value is never echoed: a plain key pasted here by mistake must not end up in a log.
        String hash = string(map.get("hash"), path + ".hash", true);
        String hex = null;
        if (hash != null) {
            Matcher m = KEY_HASH.matcher(hash);
            if (!m.matches()) {
                problem(path + ".hash", "must be 'sha256:' followed by 64 lower-case hex digits, the SHA-256 of the key "
                        + "(printf %s \"$KEY\" | sha256sum); never the plain key");
            } else {
                hex = m.group(1);
                Integer previous = hashes.putIfAbsent(hex, index);
                if (previous != null) {
                    problem(path + ".hash", "the same hash as " + listPath + "[" + previous + "]: one key, two ids");
                }
            }
        }
        List<String> roles = roles(map.get("roles"), path + ".roles", false);
        String tier = string(map.get("tier"), path + ".tier", false);
        if (problems.size() > before || id == null || hex == null) {
            return null;
        }
        return new ApiKeyConfig(id, hex, roles, tier);
    }

    /** A list of role names (in order, without repeats); empty when absent. */
    private List<String> roles(Object node, String path, boolean nonEmpty) {
        List<Object> list = list(node, path, false);
        if (list == null) {
            return List.of();
        }
        if (nonEmpty && list.isEmpty()) {
            problem(path, "list at least one role, or leave roles out");
        }
        Set<String> roles = new LinkedHashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String role = string(list.get(i), path + "[" + i + "]", true);
            if (role == null) {
                continue;
            }
            if (!ROLE.matcher(role).matches()) {
                problem(path + "[" + i + "]", "'" + role + "': a role is 1-64 letters, digits, '.', '_', ':', '/' or '-'");
            } else {
                roles.add(role);
            }
        }
        return List.copyOf(roles);
    }

    // ---- upstreams

    private Map<String, UpstreamConfig> upstreams(Object node) {
        Map<String, UpstreamConfig> result = new LinkedHashMap<>();
        if (node == null) {
            problem("upstreams", "required: at least one upstream");
            return result;
        }
        Map<String, Object> map = map(node, "upstreams");
        if (map == null) {
            return result;
        }
        if (map.isEmpty()) {
            problem("upstreams", "required: at least one upstream");
        }
        for (Map.Entry<String, Object> e : map.entrySet()) {
            String path = "upstreams." + e.getKey();
            if (!UPSTREAM_NAME.matcher(e.getKey()).matches()) {
                problem(path, "an upstream name is 1-64 letters, digits, '.', '_' or '-'");
                continue;
            }
            UpstreamConfig upstream = upstream(e.getKey(), e.getValue(), path);
            if (upstream != null) {
                result.put(e.getKey(), upstream);
            }
        }
        return result;
    }

    private UpstreamConfig upstream(String name, Object node, String path) {
        Map<String, Object> map = map(node, path);
        if (map == null) {
            return null;
        }
        checkKeys(map, path + ".", UPSTREAM_KEYS, UPSTREAM_NOT_YET);
        List<TargetConfig> targets = new ArrayList<>();
        List<Object> list = list(map.get("targets"), path + ".targets", true);
        if (list != null) {
            if (list.isEmpty()) {
                problem(path + ".targets", "required: at least one target");
            }
            for (int i = 0; i < list.size(); i++) {
                TargetConfig target = target(list.get(i), path + ".targets[" + i + "]");
                if (target != null) {
                    targets.add(target);
                }
            }
        }
        String balancer = string(map.get("balancer"), path + ".balancer", false);
        if (balancer == null) {
            balancer = UpstreamConfig.ROUND_ROBIN;
        } else if (!BALANCERS.contains(balancer)) {
            problem(path + ".balancer", "unknown balancer '" + balancer
                    + "' (round-robin | least-connections | consistent-hash | random-two-choices)");
        }
        HashOn hashOn = hashOn(map.get("hash-on"), path + ".hash-on", balancer);
        HealthCheckConfig healthCheck = healthCheck(map.get("health-check"), path + ".health-check");
        OutlierConfig outlier = outlier(map.get("outlier"), path + ".outlier");
        RetryConfig retry = retry(map.get("retry"), path + ".retry");
        CircuitBreakerConfig breaker = circuitBreaker(map.get("circuit-breaker"), path + ".circuit-breaker");
        Duration connectTimeout = duration(map.get("connect-timeout"), path + ".connect-timeout",
                UpstreamConfig.DEFAULT_CONNECT_TIMEOUT);
        Duration timeout = duration(map.get("timeout"), path + ".timeout", UpstreamConfig.DEFAULT_TIMEOUT);
        int maxConnections = integer(map.get("max-connections"), path + ".max-connections",
                UpstreamConfig.DEFAULT_MAX_CONNECTIONS, 1, 100_000);
        return new UpstreamConfig(name, List.copyOf(targets), balancer, connectTimeout, timeout, maxConnections, hashOn,
                healthCheck, outlier, retry, breaker);
    }

    private CircuitBreakerConfig circuitBreaker(Object node, String path) {
        Map<String, Object> map = section(node, path, BREAKER_KEYS);
        if (map == null) {
            return null;
        }
        double ratio = CircuitBreakerConfig.DEFAULT_FAILURE_RATIO;
        String ratioText = string(map.get("failure-ratio"), path + ".failure-ratio", false);
        if (ratioText != null) {
            try {
                ratio = Double.parseDouble(ratioText);
                if (!(ratio > 0 && ratio <= 1)) {
                    problem(path + ".failure-ratio", ratioText + " must be more than 0 and at most 1");
                }
            } catch (NumberFormatException e) {
                problem(path + ".failure-ratio", "'" + ratioText + "' is not a number");
            }
        }
        int volume = integer(map.get("request-volume"), path + ".request-volume", CircuitBreakerConfig.DEFAULT_REQUEST_VOLUME,
                1, 100_000);
        Duration delay = duration(map.get("delay"), path + ".delay", CircuitBreakerConfig.DEFAULT_DELAY);
        return new CircuitBreakerConfig(ratio, volume, delay);
    }

    private RetryConfig retry(Object node, String path) {
        Map<String, Object> map = section(node, path, RETRY_KEYS);
        if (map == null) {
            return null;
        }
        int attempts = integer(map.get("attempts"), path + ".attempts", 2, 1, 10);
        boolean onConnectFailure = true;
        Set<Integer> statuses = Set.of(502, 503, 504);
        List<Object> on = list(map.get("on"), path + ".on", false);
        if (on != null) {
            onConnectFailure = false;
            Set<Integer> parsed = new java.util.TreeSet<>();
            for (int i = 0; i < on.size(); i++) {
                String item = string(on.get(i), path + ".on[" + i + "]", true);
                if (item == null) {
                    continue;
                }
                if (item.equals("connect-failure")) {
                    onConnectFailure = true;
                } else if (item.matches("5\\d\\d") || item.equals("429")) {
                    parsed.add(Integer.parseInt(item));
                } else {
                    problem(path + ".on[" + i + "]", "'" + item + "' must be connect-failure, 429 or a 5xx status");
                }
            }
            statuses = Set.copyOf(parsed);
        }
        Duration backoff = duration(map.get("backoff"), path + ".backoff", RetryConfig.DEFAULT_BACKOFF);
        Set<String> listed = methods(map.get("methods"), path + ".methods");
        Set<String> methods = listed != null ? listed : RetryConfig.DEFAULT_METHODS;
        return new RetryConfig(attempts, onConnectFailure, statuses, backoff, methods);
    }

    private HashOn hashOn(Object node, String path, String balancer) {
        String text = string(node, path, false);
        boolean hashing = UpstreamConfig.CONSISTENT_HASH.equals(balancer);
        if (text == null) {
            return hashing ? HashOn.IP : null;
        }
        if (!hashing) {
            problem(path, "only a consistent-hash balancer uses hash-on (this one is " + balancer + ")");
            return null;
        }
        if (text.equals("ip")) {
            return HashOn.IP;
        }
        Matcher m = HASH_ON.matcher(text);
        if (!m.matches() || (!m.group(1).equals("claim") && !HEADER_NAME.matcher(m.group(2)).matches())) {
            problem(path, "'" + text + "' must be ip, header:NAME, cookie:NAME, query:NAME or claim:NAME");
            return null;
        }
        if (m.group(1).equals("claim") && !m.group(2).equals("sub") && !m.group(2).equals("tier")) {
            problem(path, "'" + text + "': the claims available for hashing are sub (the user id) and tier");
            return null;
        }
        return new HashOn(m.group(1), m.group(2));
    }

    private HealthCheckConfig healthCheck(Object node, String path) {
        Map<String, Object> map = section(node, path, HEALTH_CHECK_KEYS);
        if (map == null) {
            return null;
        }
        String checkPath = string(map.get("path"), path + ".path", true);
        if (checkPath != null && !checkPath.startsWith("/")) {
            problem(path + ".path", "'" + checkPath + "' must start with '/'");
        }
        Duration interval = duration(map.get("interval"), path + ".interval", HealthCheckConfig.DEFAULT_INTERVAL);
        Duration timeout = duration(map.get("timeout"), path + ".timeout", HealthCheckConfig.DEFAULT_TIMEOUT);
        if (timeout.compareTo(interval) > 0) {
            problem(path + ".timeout", "must not be longer than the interval (" + interval.toMillis() + "ms)");
        }
        int unhealthyAfter = integer(map.get("unhealthy-after"), path + ".unhealthy-after",
                HealthCheckConfig.DEFAULT_UNHEALTHY_AFTER, 1, 100);
        int healthyAfter = integer(map.get("healthy-after"), path + ".healthy-after",
                HealthCheckConfig.DEFAULT_HEALTHY_AFTER, 1, 100);
        return checkPath == null ? null : new HealthCheckConfig(checkPath, interval, timeout, unhealthyAfter, healthyAfter);
    }

    private OutlierConfig outlier(Object node, String path) {
        Map<String, Object> map = section(node, path, OUTLIER_KEYS);
        if (map == null) {
            return null;
        }
        int failures = integer(map.get("consecutive-failures"), path + ".consecutive-failures",
                OutlierConfig.DEFAULT_CONSECUTIVE_FAILURES, 1, 1000);
        Duration ejectFor = duration(map.get("eject-for"), path + ".eject-for", OutlierConfig.DEFAULT_EJECT_FOR);
        return new OutlierConfig(failures, ejectFor);
    }

    private TargetConfig target(Object node, String path) {
        Map<String, Object> map = map(node, path);
        if (map == null) {
            return null;
        }
        checkKeys(map, path + ".", TARGET_KEYS, Set.of());
        String url = string(map.get("url"), path + ".url", true);
        int weight = integer(map.get("weight"), path + ".weight", 1, 1, 1000);
        if (url == null) {
            return null;
        }
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!"http".equals(scheme) && !"https".equals(scheme)) {
                problem(path + ".url", "'" + url + "' must start with http:// or https://");
                return null;
            }
            if (uri.getHost() == null) {
                problem(path + ".url", "'" + url + "' has no host");
                return null;
            }
            if ((uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !"/".equals(uri.getRawPath()))
                    || uri.getRawQuery() != null || uri.getRawUserInfo() != null) {
                problem(path + ".url", "'" + url + "' must be scheme://host:port only; rewrite paths on the route");
                return null;
            }
            int port = uri.getPort() != -1 ? uri.getPort() : ("https".equals(scheme) ? 443 : 80);
            String host = uri.getHost();
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            return new TargetConfig(scheme, host, port, weight);
        } catch (URISyntaxException e) {
            problem(path + ".url", "'" + url + "' is not a URL: " + e.getReason());
            return null;
        }
    }

    // ---- routes

    private List<RouteConfig> routes(Object node, Map<String, UpstreamConfig> upstreams, boolean apiKeys,
                                     boolean jwt) {
        List<RouteConfig> result = new ArrayList<>();
        List<Object> list = list(node, "routes", true);
        if (list == null) {
            return result;
        }
        if (list.isEmpty()) {
            problem("routes", "required: at least one route");
        }
        Map<String, Integer> ids = new HashMap<>();
        Map<String, RouteConfig> shapes = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            String path = "routes[" + i + "]";
            RouteConfig route = route(list.get(i), path, i, upstreams, ids, apiKeys, jwt);
            if (route == null) {
                continue;
            }
            // Two routes with the same pattern, host and headers and overlapping methods: the second could never
            // match. That is a mistake in the file, not something to resolve silently.
            // Header names are case-insensitive in HTTP, so the shape compares them lower-cased.
            java.util.TreeMap<String, String> conditions = new java.util.TreeMap<>();
            route.headers().forEach((name, value) -> conditions.put(name.toLowerCase(Locale.ROOT), value));
            String shape = PathPattern.parse(route.path()).shape() + " " + route.host() + " " + conditions;
            RouteConfig twin = shapes.get(shape);
            if (twin != null && overlap(twin.methods(), route.methods())) {
                problem(path, "same path, host and headers as routes[" + twin.index() + "] ('" + twin.id()
                        + "') with overlapping methods: it could never match");
                continue;
            }
            shapes.putIfAbsent(shape, route);
            result.add(route);
        }
        return result;
    }

    private static boolean overlap(Set<String> a, Set<String> b) {
        if (a.isEmpty() || b.isEmpty()) {
            return true;
        }
        for (String m : a) {
            if (b.contains(m)) {
                return true;
            }
        }
        return false;
    }

    private RouteConfig route(Object node, String path, int index, Map<String, UpstreamConfig> upstreams,
                              Map<String, Integer> ids, boolean apiKeys, boolean jwt) {
        Map<String, Object> map = map(node, path);
        if (map == null) {
            return null;
        }
        int before = problems.size();
        checkKeys(map, path + ".", ROUTE_KEYS, ROUTE_NOT_YET);
        String id = string(map.get("id"), path + ".id", true);
        if (id != null && !ROUTE_ID.matcher(id).matches()) {
            problem(path + ".id", "'" + id + "': a route id is 1-64 letters, digits, '.', '_' or '-' (it is a metric label)");
        } else if (id != null) {
            // Checked here, before the route's other problems can make it return null, so a duplicate id is
            // reported in the same run as those problems even when the first route with that id is itself bad.
            Integer previous = ids.putIfAbsent(id, index);
            if (previous != null) {
                problem(path + ".id", "'" + id + "' is already the id of routes[" + previous + "]");
            }
        }
        String pattern = string(map.get("path"), path + ".path", true);
        PathPattern compiled = null;
        if (pattern != null) {
            try {
                compiled = PathPattern.parse(pattern);
            } catch (IllegalArgumentException e) {
                problem(path + ".path", e.getMessage());
            }
        }
        Set<String> listed = methods(map.get("methods"), path + ".methods");
        Set<String> methods = listed != null ? listed : Set.of();
        String host = string(map.get("host"), path + ".host", false);
        if (host != null) {
            host = host.toLowerCase(Locale.ROOT);
            if (!HOST.matcher(host).matches()) {
                problem(path + ".host", "'" + host + "' is not a host name (no port, no scheme)");
            }
        }
        Map<String, String> headers = new LinkedHashMap<>();
        Object headerNode = map.get("headers");
        if (headerNode != null) {
            Map<String, Object> headerMap = map(headerNode, path + ".headers");
            if (headerMap != null) {
                for (Map.Entry<String, Object> h : headerMap.entrySet()) {
                    String hp = path + ".headers." + h.getKey();
                    if (!HEADER_NAME.matcher(h.getKey()).matches()) {
                        problem(hp, "'" + h.getKey() + "' is not a header name");
                        continue;
                    }
                    String value = string(h.getValue(), hp, true);
                    if (value != null) {
                        headers.put(h.getKey(), value);
                    }
                }
            }
        }
        String upstream = string(map.get("upstream"), path + ".upstream", true);
        if (upstream != null && !upstreams.containsKey(upstream)) {
            problem(path + ".upstream", "no upstream named '" + upstream + "'");
        }
        String stripPrefix = string(map.get("strip-prefix"), path + ".strip-prefix", false);
        if (stripPrefix != null && (!stripPrefix.startsWith("/") || stripPrefix.length() < 2 || stripPrefix.endsWith("/"))) {
            problem(path + ".strip-prefix", "'" + stripPrefix + "' must start with '/' and not end with '/' (e.g. /api)");
        }
        String rewrite = string(map.get("rewrite"), path + ".rewrite", false);
        if (rewrite != null && stripPrefix != null) {
            problem(path + ".rewrite", "use either strip-prefix or rewrite, not both");
        }
        if (rewrite != null && compiled != null) {
            try {
                compiled.checkTemplate(rewrite);
            } catch (IllegalArgumentException e) {
                problem(path + ".rewrite", e.getMessage());
            }
        }
        String auth = string(map.get("auth"), path + ".auth", false);
        if (auth == null) {
            auth = RouteConfig.AUTH_NONE;
        } else if (RouteConfig.AUTH_API_KEY.equals(auth)) {
            if (!apiKeys) {
                problem(path + ".auth", "'api-key' needs auth.api-keys with at least one key");
            }
        } else if (RouteConfig.AUTH_JWT.equals(auth)) {
            if (!jwt) {
                problem(path + ".auth", "'jwt' needs the auth.jwt section (or auth.issuer)");
            }
        } else if (RouteConfig.AUTH_ANY.equals(auth)) {
            if (!jwt || !apiKeys) {
                problem(path + ".auth", "'any' (an API key or a JWT) needs both auth.api-keys and auth.jwt"
                        + (jwt ? "; auth.api-keys is missing" : apiKeys ? "; auth.jwt is missing" : ""));
            }
        } else if (!RouteConfig.AUTH_NONE.equals(auth)) {
            problem(path + ".auth", "unknown auth '" + auth + "' (none | jwt | api-key | any)");
        }
        List<String> roles = roles(map.get("roles"), path + ".roles", true);
        if (map.get("roles") != null && RouteConfig.AUTH_NONE.equals(auth)) {
            problem(path + ".roles", "roles need an authenticated route (auth: jwt, api-key or any); this one has auth: none");
        }
        Boolean forwardCredentials = bool(map.get("forward-credentials"), path + ".forward-credentials");
        Duration timeout = duration(map.get("timeout"), path + ".timeout", null);
        Boolean preserveHost = bool(map.get("preserve-host"), path + ".preserve-host");
        if (problems.size() > before || id == null || pattern == null || upstream == null) {
            return null;
        }
        return new RouteConfig(id, pattern, Set.copyOf(methods), host, Map.copyOf(headers), upstream, stripPrefix, rewrite,
                auth, roles, !Boolean.FALSE.equals(forwardCredentials), timeout, Boolean.TRUE.equals(preserveHost), index);
    }

    // ---- scalar helpers: each reports its own problem and returns null (or the default)

    /** A list of HTTP methods, upper-cased; null when absent. Unknown methods are reported by index. */
    private Set<String> methods(Object node, String path) {
        List<Object> list = list(node, path, false);
        if (list == null) {
            return null;
        }
        Set<String> methods = new java.util.TreeSet<>();
        for (int i = 0; i < list.size(); i++) {
            String m = string(list.get(i), path + "[" + i + "]", true);
            if (m == null) {
                continue;
            }
            String upper = m.toUpperCase(Locale.ROOT);
            if (!METHODS.contains(upper)) {
                problem(path + "[" + i + "]", "unknown method '" + m + "'");
            } else {
                methods.add(upper);
            }
        }
        return Set.copyOf(methods);
    }

    /**
     * An optional section: null when absent (or not a mapping, which is reported), else its map with every key
     * checked against the known ones.
     */
    private Map<String, Object> section(Object node, String path, Set<String> known) {
        if (node == null) {
            return null;
        }
        Map<String, Object> map = map(node, path);
        if (map != null) {
            checkKeys(map, path + ".", known, Set.of());
        }
        return map;
    }

    private void checkKeys(Map<String, Object> map, String prefix, Set<String> known, Set<String> notYet) {
        for (String key : map.keySet()) {
            if (notYet.contains(key)) {
                problem(prefix + key, "is not available in this version of Gatehouse yet");
            } else if (!known.contains(key)) {
                problem(prefix + key, "unknown key");
            }
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> map(Object node, String path) {
        if (node instanceof Map<?, ?> m) {
            for (Object key : m.keySet()) {
                if (!(key instanceof String)) {
                    problem(path, "key '" + key + "' must be a string");
                    return null;
                }
            }
            return (Map<String, Object>) m;
        }
        problem(path, "must be a mapping (key: value), not " + describe(node));
        return null;
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object node, String path, boolean required) {
        if (node == null) {
            if (required) {
                problem(path, "required");
            }
            return null;
        }
        if (node instanceof List<?> l) {
            return (List<Object>) l;
        }
        problem(path, "must be a list, not " + describe(node));
        return null;
    }

    private String string(Object node, String path, boolean required) {
        if (node == null) {
            if (required) {
                problem(path, "required");
            }
            return null;
        }
        if (node instanceof Map || node instanceof List) {
            problem(path, "must be a single value, not " + describe(node));
            return null;
        }
        String value = substitute(String.valueOf(node), path);
        if (value != null && value.isBlank()) {
            problem(path, "must not be empty");
            return null;
        }
        return value;
    }

    private String substitute(String text, String path) {
        if (text.indexOf("${") < 0) {
            return text;
        }
        Matcher m = VARIABLE.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String value = variables.apply(m.group(1));
            if (value == null) {
                value = m.group(2);
            }
            if (value == null) {
                problem(path, "variable ${" + m.group(1) + "} is not set (give it a default: ${" + m.group(1) + ":value})");
                return null;
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private int integer(Object node, String path, int defaultValue, int min, int max) {
        if (node == null) {
            return defaultValue;
        }
        String text = string(node, path, true);
        if (text == null) {
            return defaultValue;
        }
        try {
            int value = Integer.parseInt(text.trim());
            if (value < min || value > max) {
                problem(path, value + " is out of range " + min + ".." + max);
                return defaultValue;
            }
            return value;
        } catch (NumberFormatException e) {
            problem(path, "'" + text + "' is not a whole number");
            return defaultValue;
        }
    }

    private Duration duration(Object node, String path, Duration defaultValue) {
        if (node == null) {
            return defaultValue;
        }
        String text = string(node, path, true);
        if (text == null) {
            return defaultValue;
        }
        try {
            Duration d = Durations.parse(text);
            if (d.isZero()) {
                problem(path, "must be more than zero");
                return defaultValue;
            }
            return d;
        } catch (IllegalArgumentException e) {
            problem(path, e.getMessage());
            return defaultValue;
        }
    }

    private Boolean bool(Object node, String path) {
        if (node == null) {
            return null;
        }
        if (node instanceof Boolean b) {
            return b;
        }
        String text = string(node, path, true);
        if ("true".equals(text)) {
            return true;
        }
        if ("false".equals(text)) {
            return false;
        }
        problem(path, "'" + text + "' must be true or false");
        return null;
    }

    private static String describe(Object node) {
        if (node == null) {
            return "nothing";
        }
        if (node instanceof Map) {
            return "a mapping";
        }
        if (node instanceof List) {
            return "a list";
        }
        return "'" + node + "'";
    }

    private void problem(String path, String message) {
        problems.add(path + ": " + message);
    }
}
