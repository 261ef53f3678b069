package io.gatehouse.cache;

import io.gatehouse.config.ConfigExtension;
import io.gatehouse.config.ConfigKey;
import io.gatehouse.config.ConfigNodes;
import io.gatehouse.config.FeatureSettings;
import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.RouteConfig;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The cache feature's part of the config file: the {@code cache} section and each route's {@code cache}. */
@Singleton
public class CacheConfigExtension implements ConfigExtension {
    static final ConfigKey<CacheSettings> SECTION = ConfigKey.of("cache", CacheSettings.class);
    static final ConfigKey<CacheSettings.Route> ROUTE = ConfigKey.of("route cache", CacheSettings.Route.class);

    private static final Set<String> SECTION_KEYS = Set.of("store", "max-bytes", "max-object-size", "lock-timeout");
    private static final Set<String> ROUTE_KEYS = Set.of("ttl", "vary", "max-object-size", "stale-if-error",
            "invalidate", "store-set-cookie");

    private final boolean redisConfigured;

    @Inject
    public CacheConfigExtension(@ConfigProperty(name = "quarkus.redis.hosts") Optional<String> redisHosts) {
        this.redisConfigured = redisHosts.filter(h -> !h.isBlank()).isPresent();
    }

    @Override
    public Set<String> sections() {
        return Set.of("cache");
    }

    @Override
    public Set<String> routeKeys() {
        return Set.of("cache");
    }

    @Override
    public void parseSections(ConfigNodes nodes, Map<String, Object> file, FeatureSettings.Builder into) {
        Object node = file.get("cache");
        if (node == null) {
            return;
        }
        Map<String, Object> section = nodes.section(node, "cache", SECTION_KEYS);
        if (section == null) {
            return;
        }
        CacheSettings.Store store = CacheSettings.Store.LOCAL;
        String storeText = nodes.string(section.get("store"), "cache.store", false);
        if (storeText != null) {
            switch (storeText) {
                case "local" -> store = CacheSettings.Store.LOCAL;
                case "redis" -> {
                    if (redisConfigured) {
                        store = CacheSettings.Store.REDIS;
                    } else {
                        nodes.problem("cache.store", "redis needs a Redis: set quarkus.redis.hosts");
                    }
                }
                default -> nodes.problem("cache.store", "'" + storeText + "' must be local or redis");
            }
        }
        long maxBytes = nodes.size(section.get("max-bytes"), "cache.max-bytes", CacheSettings.DEFAULT_MAX_BYTES,
                1L << 20, 1L << 40);
        long maxObject = nodes.size(section.get("max-object-size"), "cache.max-object-size",
                CacheSettings.DEFAULT_MAX_OBJECT_SIZE, 1, 1L << 30);
        if (maxObject > maxBytes) {
            nodes.problem("cache.max-object-size", "is larger than cache.max-bytes");
        }
        Duration lock = nodes.duration(section.get("lock-timeout"), "cache.lock-timeout", CacheSettings.DEFAULT_LOCK_TIMEOUT);
        into.put(SECTION, new CacheSettings(store, maxBytes, maxObject, lock));
    }

    @Override
    public void parseRoute(ConfigNodes nodes, Map<String, Object> route, String path, FeatureSettings sections,
                           Map<String, Object> file, FeatureSettings.Builder into) {
        Object node = route.get("cache");
        if (node == null || Boolean.FALSE.equals(node)) {
            return;
        }
        String at = path + ".cache";
        CacheSettings section = sections.get(SECTION);
        long sectionMax = section == null ? CacheSettings.DEFAULT_MAX_OBJECT_SIZE : section.maxObjectSize();
        if (Boolean.TRUE.equals(node)) {
            into.put(ROUTE, new CacheSettings.Route(null, List.of(), sectionMax, null, List.of(), false));
            return;
        }
        Map<String, Object> map = nodes.mapping(node, at, ROUTE_KEYS, Set.of());
        if (map == null) {
            return;
        }
        Duration ttl = nodes.duration(map.get("ttl"), at + ".ttl", null);
        List<String> vary = new ArrayList<>();
        List<Object> varyItems = nodes.list(map.get("vary"), at + ".vary", false);
        if (varyItems != null) {
            for (int i = 0; i < varyItems.size(); i++) {
                String name = nodes.string(varyItems.get(i), at + ".vary[" + i + "]", true);
                if (name != null && !ConfigNodes.HEADER_NAME.matcher(name).matches()) {
                    nodes.problem(at + ".vary[" + i + "]", "'" + name + "' is not a header name");
                } else if (name != null && !vary.contains(name.toLowerCase(Locale.ROOT))) {
                    vary.add(name.toLowerCase(Locale.ROOT));
                }
            }
        }
        long maxObject = nodes.size(map.get("max-object-size"), at + ".max-object-size", sectionMax, 1, 1L << 30);
        Duration staleIfError = nodes.duration(map.get("stale-if-error"), at + ".stale-if-error", null);
        List<String> invalidate = new ArrayList<>();
        List<Object> paths = nodes.list(map.get("invalidate"), at + ".invalidate", false);
        if (paths != null) {
            for (int i = 0; i < paths.size(); i++) {
                String p = nodes.string(paths.get(i), at + ".invalidate[" + i + "]", true);
                if (p != null && (!p.startsWith("/") || p.contains("?") || p.contains("#") || p.contains("*"))) {
                    nodes.problem(at + ".invalidate[" + i + "]", "'" + p + "' must be a path starting with / (no query, no wildcard)");
                } else if (p != null) {
                    invalidate.add(p);
                }
            }
        }
        Boolean setCookie = nodes.bool(map.get("store-set-cookie"), at + ".store-set-cookie");
        into.put(ROUTE, new CacheSettings.Route(ttl, vary, maxObject, staleIfError, invalidate, Boolean.TRUE.equals(setCookie)));
    }

    static CacheSettings of(GatehouseConfig config) {
        CacheSettings s = config.section(SECTION);
        return s == null ? CacheSettings.DEFAULTS : s;
    }

    static CacheSettings.Route of(RouteConfig route) {
        return route.option(ROUTE);
    }
}
