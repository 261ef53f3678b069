package io.gatehouse.auth;

import io.gatehouse.config.ConfigNodes;
import io.gatehouse.config.Durations;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The {@code auth} section: {@code api-keys}, {@code jwt} and {@code issuer}. */
final class AuthParser {
    private static final Set<String> AUTH_KEYS = Set.of("api-keys", "jwt", "issuer");
    private static final Set<String> AUTH_NOT_YET = Set.of();
    private static final Set<String> ISSUER_KEYS = Set.of("private-key", "issuer", "audience", "expires-in", "kid");
    private static final Duration MAX_TOKEN_LIFETIME = Duration.ofHours(24);
    private static final Pattern KID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
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

    private final ConfigNodes nodes;

    AuthParser(ConfigNodes nodes) {
        this.nodes = nodes;
    }

    /** The whole section; null when the file has none. */
    AuthConfig auth(Object node) {
        Map<String, Object> map = nodes.section(node, "auth", AUTH_KEYS, AUTH_NOT_YET);
        if (map == null) {
            return null;
        }
        if (map.isEmpty()) {
            nodes.problem("auth", "must configure jwt or api-keys (or leave auth out)");
        }
        ApiKeysConfig apiKeys = apiKeys(map.get("api-keys"), "auth.api-keys");
        JwtConfig jwt = jwt(map.get("jwt"), "auth.jwt");
        IssuerConfig issuer = issuer(map.get("issuer"), "auth.issuer", map.get("api-keys") != null,
                map.get("jwt") != null, jwt);
        return new AuthConfig(apiKeys, jwt, issuer);
    }

    private IssuerConfig issuer(Object node, String path, boolean apiKeysGiven, boolean jwtGiven, JwtConfig jwt) {
        int before = nodes.problemCount();
        Map<String, Object> map = nodes.section(node, path, ISSUER_KEYS);
        if (map == null) {
            return null;
        }
        if (!apiKeysGiven) {
            nodes.problem(path, "needs auth.api-keys: clients present their API key to get a token");
        }
        // never echoed: a private key must not end up in a log
        String pem = nodes.string(map.get("private-key"), path + ".private-key", true);
        KeyPair keys = null;
        if (pem != null) {
            try {
                keys = PemKeys.privateKey(pem);
            } catch (IllegalArgumentException e) {
                nodes.problem(path + ".private-key", e.getMessage());
            }
        }
        String issuer = nodes.string(map.get("issuer"), path + ".issuer", false);
        if (issuer == null && map.get("issuer") == null) {
            if (jwt != null) {
                issuer = jwt.issuer();
            } else if (!jwtGiven) {
                nodes.problem(path + ".issuer", "required when there is no auth.jwt to take it from");
            }
        } else if (issuer != null && issuer.isBlank()) {
            nodes.problem(path + ".issuer", "must not be empty");
        }
        String audience = nodes.string(map.get("audience"), path + ".audience", false);
        if (audience != null && audience.isBlank()) {
            nodes.problem(path + ".audience", "must not be empty (or leave it out)");
        }
        Duration expiresIn = nodes.duration(map.get("expires-in"), path + ".expires-in",
                Duration.ofMinutes(IssuerConfig.DEFAULT_EXPIRES_IN_MINUTES));
        if (expiresIn.compareTo(Duration.ofSeconds(10)) < 0 || expiresIn.compareTo(MAX_TOKEN_LIFETIME) > 0) {
            nodes.problem(path + ".expires-in", "must be between 10s and 24h");
        }
        String kid = nodes.string(map.get("kid"), path + ".kid", false);
        if (kid != null && !KID.matcher(kid).matches()) {
            nodes.problem(path + ".kid", "'" + kid + "' is not a usable kid (1-128 letters, digits, '.', '_', ':' or '-')");
        }
        if (nodes.problemCount() > before || keys == null || issuer == null) {
            return null;
        }
        if (kid == null) {
            kid = TokenIssuer.thumbprint(keys.getPublic());
        }
        return new IssuerConfig(keys, issuer, audience, expiresIn, kid);
    }

    private JwtConfig jwt(Object node, String path) {
        int before = nodes.problemCount();
        Map<String, Object> map = nodes.section(node, path, JWT_KEYS, JWT_NOT_YET);
        if (map == null) {
            return null;
        }
        String issuer = nodes.string(map.get("issuer"), path + ".issuer", true);
        List<String> audiences = new ArrayList<>();
        List<Object> list = nodes.list(map.get("audiences"), path + ".audiences", false);
        if (list != null) {
            if (list.isEmpty()) {
                nodes.problem(path + ".audiences", "must list at least one audience (or leave it out)");
            }
            for (int i = 0; i < list.size(); i++) {
                String audience = nodes.string(list.get(i), path + ".audiences[" + i + "]", true);
                if (audience != null) {
                    audiences.add(audience);
                }
            }
        }
        // Neither value is ever echoed: a private key or a secret pasted here must not end up in a log.
        String pem = nodes.string(map.get("public-key"), path + ".public-key", false);
        String secretText = nodes.string(map.get("secret"), path + ".secret", false);
        PublicKey publicKey = null;
        byte[] secret = null;
        String jwksUrl = nodes.string(map.get("jwks-url"), path + ".jwks-url", false);
        int given = (map.get("public-key") != null ? 1 : 0) + (map.get("secret") != null ? 1 : 0)
                + (map.get("jwks-url") != null ? 1 : 0);
        if (given > 1) {
            nodes.problem(path, "give exactly one of public-key, secret and jwks-url");
        } else if (given == 0) {
            nodes.problem(path, "needs a verification key: public-key (PEM, RSA or EC), jwks-url (the issuer's JWKS) or "
                    + "secret (HS256)");
        } else if (pem != null) {
            try {
                publicKey = PemKeys.publicKey(pem);
            } catch (IllegalArgumentException e) {
                nodes.problem(path + ".public-key", e.getMessage());
            }
        } else if (secretText != null) {
            secret = secretText.getBytes(StandardCharsets.UTF_8);
            if (secret.length < JwtConfig.MIN_SECRET_BYTES) {
                nodes.problem(path + ".secret", "an HS256 secret needs at least " + JwtConfig.MIN_SECRET_BYTES
                        + " bytes; this one has " + secret.length);
            }
        } else if (jwksUrl != null) {
            jwksUrl = jwksUrl(jwksUrl, path + ".jwks-url");
        }
        Duration clockSkew = Duration.ofSeconds(JwtConfig.DEFAULT_CLOCK_SKEW_SECONDS);
        if (map.get("clock-skew") != null) {
            String text = nodes.string(map.get("clock-skew"), path + ".clock-skew", true);
            if (text != null) {
                try {
                    clockSkew = Durations.parse(text);
                    if (clockSkew.compareTo(MAX_CLOCK_SKEW) > 0) {
                        nodes.problem(path + ".clock-skew", "'" + text + "' is more than the most allowed, 10m");
                    }
                } catch (IllegalArgumentException e) {
                    nodes.problem(path + ".clock-skew", e.getMessage());
                }
            }
        }
        String rolesClaim = nodes.string(map.get("roles-claim"), path + ".roles-claim", false);
        if (rolesClaim == null) {
            rolesClaim = JwtConfig.DEFAULT_ROLES_CLAIM;
        } else if (!CLAIM_NAME.matcher(rolesClaim).matches()) {
            nodes.problem(path + ".roles-claim", "'" + rolesClaim + "' is not a claim name (1-64 letters, digits, '_', "
                    + "':', '.' or '-'; nested claims are not supported yet)");
        }
        if (nodes.problemCount() > before || issuer == null || (publicKey == null && secret == null && jwksUrl == null)) {
            return null;
        }
        return new JwtConfig(issuer, new LinkedHashSet<>(audiences), publicKey, secret, clockSkew, rolesClaim, jwksUrl);
    }

    /** An absolute http(s) URL with a host and no user info or fragment; null (and a problem) otherwise. */
    private String jwksUrl(String text, String path) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            nodes.problem(path, "'" + text + "' is not a URL");
            return null;
        }
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            nodes.problem(path, "'" + text + "' must be an http:// or https:// URL");
            return null;
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            nodes.problem(path, "'" + text + "' must be an absolute URL with a host, without user info or fragment");
            return null;
        }
        return text;
    }

    private ApiKeysConfig apiKeys(Object node, String path) {
        Map<String, Object> map = nodes.section(node, path, API_KEYS_KEYS);
        if (map == null) {
            return null;
        }
        String header = nodes.string(map.get("header"), path + ".header", false);
        if (header == null) {
            header = ApiKeysConfig.DEFAULT_HEADER;
        } else if (!ConfigNodes.HEADER_NAME.matcher(header).matches()) {
            nodes.problem(path + ".header", "'" + header + "' is not a header name");
        } else if (RESERVED_HEADERS.contains(header.toLowerCase(Locale.ROOT).replace('_', '-'))) {
            nodes.problem(path + ".header", "'" + header
                    + "' is a header the gateway sets or removes itself; use e.g. X-API-Key");
        }
        List<ApiKeyConfig> keys = new ArrayList<>();
        List<Object> list = nodes.list(map.get("keys"), path + ".keys", true);
        if (list != null) {
            if (list.isEmpty()) {
                nodes.problem(path + ".keys", "required: at least one key");
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
        int before = nodes.problemCount();
        Map<String, Object> map = nodes.mapping(node, path, API_KEY_KEYS, Set.of());
        if (map == null) {
            return null;
        }
        String id = nodes.uniqueId(map, listPath, index, ids, KEY_ID,
                "a key id is 1-64 letters, digits, '.', '_' or '-'");
        // The value is never echoed: a plain key pasted here by mistake must not end up in a log.
        String hash = nodes.string(map.get("hash"), path + ".hash", true);
        String hex = null;
        if (hash != null) {
            Matcher m = KEY_HASH.matcher(hash);
            if (!m.matches()) {
                nodes.problem(path + ".hash", "must be 'sha256:' followed by 64 lower-case hex digits, the SHA-256 of "
                        + "the key (printf %s \"$KEY\" | sha256sum); never the plain key");
            } else {
                hex = m.group(1);
                Integer previous = hashes.putIfAbsent(hex, index);
                if (previous != null) {
                    nodes.problem(path + ".hash", "the same hash as " + listPath + "[" + previous + "]: one key, two ids");
                }
            }
        }
        List<String> roles = roles(nodes, map.get("roles"), path + ".roles", false);
        String tier = nodes.string(map.get("tier"), path + ".tier", false);
        if (nodes.problemCount() > before || id == null || hex == null) {
            return null;
        }
        return new ApiKeyConfig(id, hex, roles, tier);
    }

    /**
     * A list of role names (in order, without repeats); empty when absent. Static, with the nodes passed in,
     * because a route's {@code roles} are read the same way.
     */
    static List<String> roles(ConfigNodes nodes, Object node, String path, boolean nonEmpty) {
        List<Object> list = nodes.list(node, path, false);
        if (list == null) {
            return List.of();
        }
        if (nonEmpty && list.isEmpty()) {
            nodes.problem(path, "list at least one role, or leave roles out");
        }
        Set<String> roles = new LinkedHashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String role = nodes.string(list.get(i), path + "[" + i + "]", true);
            if (role == null) {
                continue;
            }
            if (!ROLE.matcher(role).matches()) {
                nodes.problem(path + "[" + i + "]", "'" + role
                        + "': a role is 1-64 letters, digits, '.', '_', ':', '/' or '-'");
            } else {
                roles.add(role);
            }
        }
        return List.copyOf(roles);
    }
}
