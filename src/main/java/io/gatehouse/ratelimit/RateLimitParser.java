package io.gatehouse.ratelimit;

import io.gatehouse.config.ConfigNodes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** The {@code rate-limits} section: named policies, {@code defaults} and {@code status-endpoint}. */
final class RateLimitParser {
    private static final Set<String> POLICY_KEYS = Set.of("key", "limits", "algorithm", "burst", "tier-claim", "tiers",
            "ban-for", "dry-run", "store", "on-store-failure", "ipv4-prefix", "ipv6-prefix");
    private static final Set<String> DEFAULTS_KEYS = Set.of("store", "algorithm", "global", "on-store-failure", "headers",
            "max-keys", "ipv4-prefix", "ipv6-prefix");
    /** Policy names go into header values (structured-field strings) and metric labels. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern TIER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,63}");
    private static final Pattern CLAIM = Pattern.compile("[A-Za-z0-9_:.-]{1,64}");

    /** The policy that limits {@code POST /auth/token}; {@link #TOKEN_DEFAULT} unless the config defines it. */
    static final String TOKEN_POLICY = "auth-token";
    static final PolicyConfig TOKEN_DEFAULT = new PolicyConfig(TOKEN_POLICY, new KeySpec(KeySpec.Kind.IP, null),
            PolicyConfig.Algorithm.SLIDING_WINDOW, List.of(new Limit(10, Duration.ofMinutes(1))), 0, "tier", Map.of(),
            null, false, PolicyConfig.Store.LOCAL, PolicyConfig.OnStoreFailure.LOCAL);

    private final ConfigNodes nodes;
    private final boolean redisConfigured;

    RateLimitParser(ConfigNodes nodes, boolean redisConfigured) {
        this.nodes = nodes;
        this.redisConfigured = redisConfigured;
    }

    /** The whole section; null when the file has none. */
    RateLimitsConfig parse(Object node) {
        if (node == null) {
            return null;
        }
        Map<String, Object> map = nodes.map(node, "rate-limits");
        if (map == null) {
            return null;
        }
        Map<String, Object> defaults = map.get("defaults") == null ? Map.of()
                : nodes.mapping(map.get("defaults"), "rate-limits.defaults", DEFAULTS_KEYS, Set.of());
        if (defaults == null) {
            defaults = Map.of();
        }
        PolicyConfig.Store store = nodes.choice(defaults.get("store"), "rate-limits.defaults.store", PolicyConfig.Store.class,
                PolicyConfig.Store.LOCAL);
        PolicyConfig.Algorithm algorithm = nodes.choice(defaults.get("algorithm"), "rate-limits.defaults.algorithm",
                PolicyConfig.Algorithm.class, PolicyConfig.Algorithm.SLIDING_WINDOW);
        PolicyConfig.OnStoreFailure onFailure = nodes.choice(defaults.get("on-store-failure"),
                "rate-limits.defaults.on-store-failure", PolicyConfig.OnStoreFailure.class, PolicyConfig.OnStoreFailure.LOCAL);
        RateLimitsConfig.Headers headers = nodes.choice(defaults.get("headers"), "rate-limits.defaults.headers",
                RateLimitsConfig.Headers.class, RateLimitsConfig.Headers.BOTH);
        long maxKeys = nodes.integer(defaults.get("max-keys"), "rate-limits.defaults.max-keys",
                (int) RateLimitsConfig.DEFAULT_MAX_KEYS, 100, 10_000_000);
        Boolean status = nodes.bool(map.get("status-endpoint"), "rate-limits.status-endpoint");
        int ipv4Prefix = nodes.integer(defaults.get("ipv4-prefix"), "rate-limits.defaults.ipv4-prefix", IpPrefix.DEFAULT_IPV4, 1, 32);
        int ipv6Prefix = nodes.integer(defaults.get("ipv6-prefix"), "rate-limits.defaults.ipv6-prefix", IpPrefix.DEFAULT_IPV6, 1, 128);

        Map<String, PolicyConfig> policies = new LinkedHashMap<>();
        for (Map.Entry<String, Object> entry : map.entrySet()) {
            String name = entry.getKey();
            if (name.equals("defaults") || name.equals("status-endpoint")) {
                continue;
            }
            String path = "rate-limits." + name;
            if (!NAME.matcher(name).matches()) {
                nodes.problem(path, "a policy name is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
                continue;
            }
            PolicyConfig policy = policy(entry.getValue(), path, name, store, algorithm, onFailure, ipv4Prefix, ipv6Prefix);
            if (policy != null && name.equals(TOKEN_POLICY)
                    && (policy.key().needsCaller() || policy.key().kind() == KeySpec.Kind.ROUTE || !policy.tiers().isEmpty())) {
                nodes.problem(path + ".key", "'" + TOKEN_POLICY + "' limits POST /auth/token, before anyone is"
                        + " authenticated: it counts by ip, header:NAME or global");
            } else if (policy != null) {
                policies.put(name, policy);
            }
        }

        if (!map.containsKey(TOKEN_POLICY) && (ipv4Prefix != IpPrefix.DEFAULT_IPV4 || ipv6Prefix != IpPrefix.DEFAULT_IPV6)) {
            // the token endpoint's built-in limit counts addresses as this section's defaults say, as its own do
            PolicyConfig d = TOKEN_DEFAULT;
            policies.put(TOKEN_POLICY, new PolicyConfig(d.name(), d.key(), d.algorithm(), d.limits(), d.burst(),
                    d.tierClaim(), d.tiers(), d.banFor(), d.dryRun(), d.store(), d.onStoreFailure(), ipv4Prefix, ipv6Prefix));
        }

        List<String> global = new ArrayList<>();
        List<Object> names = names(defaults.get("global"), "rate-limits.defaults.global");
        for (int i = 0; i < names.size(); i++) {
            String path = "rate-limits.defaults.global[" + i + "]";
            String name = nodes.string(names.get(i), path, true);
            if (name == null) {
                continue;
            }
            PolicyConfig policy = policies.get(name);
            if (policy == null) {
                if (!map.containsKey(name)) {
                    nodes.problem(path, "no policy named '" + name + "' in rate-limits");
                }
                continue;
            }
            if (policy.key().needsCaller() || policy.key().kind() == KeySpec.Kind.ROUTE || !policy.tiers().isEmpty()) {
                nodes.problem(path, "'" + name + "' counts by " + (policy.tiers().isEmpty() ? policy.key() : "tier")
                        + ", which is not known yet when global policies run (before routing and authentication);"
                        + " global policies count by ip, header:NAME or global");
                continue;
            }
            if (global.contains(name)) {
                nodes.problem(path, "'" + name + "' is listed twice");
                continue;
            }
            global.add(name);
        }
        return new RateLimitsConfig(policies, global, headers, maxKeys, Boolean.TRUE.equals(status));
    }

    private PolicyConfig policy(Object node, String path, String name, PolicyConfig.Store defaultStore,
                                PolicyConfig.Algorithm defaultAlgorithm, PolicyConfig.OnStoreFailure defaultOnFailure,
                                int defaultIpv4Prefix, int defaultIpv6Prefix) {
        int before = nodes.problemCount();
        Map<String, Object> map = nodes.mapping(node, path, POLICY_KEYS, Set.of());
        if (map == null) {
            return null;
        }
        KeySpec key = key(map.get("key"), path + ".key");
        PolicyConfig.Algorithm algorithm = nodes.choice(map.get("algorithm"), path + ".algorithm",
                PolicyConfig.Algorithm.class, defaultAlgorithm);
        List<Limit> limits = map.get("limits") == null ? List.of() : limits(map.get("limits"), path + ".limits");
        Map<String, List<Limit>> tiers = new LinkedHashMap<>();
        Map<String, Object> tierMap = map.get("tiers") == null ? null : nodes.map(map.get("tiers"), path + ".tiers");
        if (tierMap != null) {
            if (tierMap.isEmpty()) {
                nodes.problem(path + ".tiers", "must name at least one tier");
            }
            for (Map.Entry<String, Object> tier : tierMap.entrySet()) {
                String tierPath = path + ".tiers." + tier.getKey();
                if (!TIER.matcher(tier.getKey()).matches()) {
                    nodes.problem(tierPath, "a tier name is 1-64 letters, digits, '.', '_', ':' or '-'");
                    continue;
                }
                if (tier.getValue() == null || tier.getValue() instanceof List<?> l && l.isEmpty()) {
                    nodes.problem(tierPath, "a tier needs its limits (e.g. [60/1m, 1000/1h])");
                    continue;
                }
                tiers.put(tier.getKey(), limits(tier.getValue(), tierPath));
            }
        }
        if (map.get("limits") == null && map.get("tiers") == null) {
            nodes.problem(path, "needs limits (e.g. limits: [100/1m]) or tiers");
        } else if (map.get("limits") != null && map.get("tiers") != null) {
            nodes.problem(path, "has both limits and tiers: give tiers a 'default' entry instead");
        }
        String tierClaim = nodes.string(map.get("tier-claim"), path + ".tier-claim", false);
        if (tierClaim != null && !CLAIM.matcher(tierClaim).matches()) {
            nodes.problem(path + ".tier-claim", "'" + tierClaim + "' is not a claim name");
        }
        if (tierClaim != null && map.get("tiers") == null) {
            nodes.problem(path + ".tier-claim", "only means something with tiers");
        }
        long burst = 0;
        if (map.get("burst") != null) {
            burst = nodes.integer(map.get("burst"), path + ".burst", 0, 1, 1_000_000_000);
            if (algorithm != PolicyConfig.Algorithm.GCRA) {
                nodes.problem(path + ".burst", "only the gcra algorithm takes a burst (the sliding window allows its"
                        + " whole count at once)");
            }
        }
        Duration banFor = map.get("ban-for") == null ? null : nodes.duration(map.get("ban-for"), path + ".ban-for", null);
        if (banFor != null && banFor.compareTo(Duration.ofDays(7)) > 0) {
            nodes.problem(path + ".ban-for", "at most 7d");
        }
        Boolean dryRun = nodes.bool(map.get("dry-run"), path + ".dry-run");
        PolicyConfig.Store store = nodes.choice(map.get("store"), path + ".store", PolicyConfig.Store.class, defaultStore);
        if (store == PolicyConfig.Store.REDIS && !redisConfigured) {
            nodes.problem(map.get("store") != null ? path + ".store" : "rate-limits.defaults.store",
                    "'redis' needs a Redis to talk to: set quarkus.redis.hosts (e.g. QUARKUS_REDIS_HOSTS=redis://redis:6379)");
        }
        PolicyConfig.OnStoreFailure onFailure = nodes.choice(map.get("on-store-failure"), path + ".on-store-failure",
                PolicyConfig.OnStoreFailure.class, defaultOnFailure);
        // an IPv6 client holds a whole prefix (a /64 at least) and could step through it to escape a per-address
        // limit: addresses count by their prefix, wherever this policy counts by address (also as a fallback)
        int ipv4Prefix = nodes.integer(map.get("ipv4-prefix"), path + ".ipv4-prefix", defaultIpv4Prefix, 1, 32);
        int ipv6Prefix = nodes.integer(map.get("ipv6-prefix"), path + ".ipv6-prefix", defaultIpv6Prefix, 1, 128);
        if (key != null && (key.kind() == KeySpec.Kind.ROUTE || key.kind() == KeySpec.Kind.GLOBAL)) {
            for (String setting : List.of("ipv4-prefix", "ipv6-prefix")) {
                if (map.get(setting) != null) {
                    nodes.problem(path + "." + setting, "only means something for a policy that counts by address"
                            + " (key ip, or user, api-key or header:NAME for callers without one); this one counts by " + key);
                }
            }
        }
        if (nodes.problemCount() != before || key == null) {
            return null;
        }
        return new PolicyConfig(name, key, algorithm, limits, burst, tierClaim == null ? "tier" : tierClaim, tiers,
                banFor, Boolean.TRUE.equals(dryRun), store, onFailure, ipv4Prefix, ipv6Prefix);
    }

    private KeySpec key(Object node, String path) {
        String text = nodes.string(node, path, true);
        if (text == null) {
            return null;
        }
        switch (text) {
            case "ip": return new KeySpec(KeySpec.Kind.IP, null);
            case "user": return new KeySpec(KeySpec.Kind.USER, null);
            case "api-key": return new KeySpec(KeySpec.Kind.API_KEY, null);
            case "route": return new KeySpec(KeySpec.Kind.ROUTE, null);
            case "global": return new KeySpec(KeySpec.Kind.GLOBAL, null);
            default:
                if (text.startsWith("header:") && ConfigNodes.HEADER_NAME.matcher(text.substring(7)).matches()) {
                    return new KeySpec(KeySpec.Kind.HEADER, text.substring(7).toLowerCase(Locale.ROOT));
                }
                nodes.problem(path, "unknown key '" + text + "' (ip | user | api-key | route | header:NAME | global)");
                return null;
        }
    }

    private List<Limit> limits(Object node, String path) {
        List<Object> items = node instanceof List<?> ? nodes.list(node, path, true) : List.of(node);
        List<Limit> limits = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String itemPath = node instanceof List<?> ? path + "[" + i + "]" : path;
            String text = nodes.string(items.get(i), itemPath, true);
            if (text == null) {
                continue;
            }
            try {
                Limit limit = Limit.parse(text);
                for (Limit other : limits) {
                    if (other.window().equals(limit.window())) {
                        nodes.problem(itemPath, "a second limit for the window of " + other);
                    }
                }
                limits.add(limit);
            } catch (IllegalArgumentException e) {
                nodes.problem(itemPath, e.getMessage());
            }
        }
        if (items.isEmpty()) {
            nodes.problem(path, "needs at least one limit (e.g. [100/1m])");
        }
        limits.sort(java.util.Comparator.comparing(Limit::window));
        return limits;
    }

    /** A list of names, or one name alone. */
    List<Object> names(Object node, String path) {
        if (node == null) {
            return List.of();
        }
        if (node instanceof List<?>) {
            return nodes.list(node, path, true);
        }
        return List.of(node);
    }
}
