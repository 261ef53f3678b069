package io.gatehouse.ratelimit;

import io.gatehouse.config.ConfigExtension;
import io.gatehouse.config.ConfigKey;
import io.gatehouse.config.ConfigNodes;
import io.gatehouse.config.FeatureSettings;
import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.RouteConfig;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The rate-limit feature's part of the config file: the {@code rate-limits} section and each route's
 * {@code rate-limit} (a policy name or a list of them).
 */
@Singleton
public class RateLimitConfigExtension implements ConfigExtension {
    public static final ConfigKey<RateLimitsConfig> SECTION = ConfigKey.of("rate-limits", RateLimitsConfig.class);
    /** A route's policy names, in the order given. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static final ConfigKey<RoutePolicies> ROUTE = ConfigKey.of("route rate-limit", RoutePolicies.class);

    /** A route's {@code rate-limit}: the names of the policies it runs after authentication. */
    public record RoutePolicies(List<String> names) {
        public RoutePolicies {
            names = List.copyOf(names);
        }
    }

    private final boolean redisConfigured;

    @Inject
    public RateLimitConfigExtension(@ConfigProperty(name = "quarkus.redis.hosts") Optional<String> redisHosts) {
        this.redisConfigured = redisHosts.filter(h -> !h.isBlank()).isPresent();
    }

    @Override
    public Set<String> sections() {
        return Set.of("rate-limits");
    }

    @Override
    public Set<String> routeKeys() {
        return Set.of("rate-limit");
    }

    @Override
    public void parseSections(ConfigNodes nodes, Map<String, Object> file, FeatureSettings.Builder into) {
        into.put(SECTION, new RateLimitParser(nodes, redisConfigured).parse(file.get("rate-limits")));
    }

    @Override
    public void parseRoute(ConfigNodes nodes, Map<String, Object> route, String path, FeatureSettings sections,
                           Map<String, Object> file, FeatureSettings.Builder into) {
        if (route.get("rate-limit") == null) {
            return;
        }
        RateLimitsConfig section = sections.get(SECTION);
        Map<?, ?> declared = file.get("rate-limits") instanceof Map<?, ?> m ? m : Map.of();
        List<Object> items = new RateLimitParser(nodes, redisConfigured).names(route.get("rate-limit"), path + ".rate-limit");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String itemPath = route.get("rate-limit") instanceof List<?> ? path + ".rate-limit[" + i + "]" : path + ".rate-limit";
            String name = nodes.string(items.get(i), itemPath, true);
            if (name == null) {
                continue;
            }
            if (section == null || !section.policies().containsKey(name)) {
                // a policy with problems of its own is reported there, not again here
                if (!declared.containsKey(name) || name.equals("defaults") || name.equals("status-endpoint")) {
                    nodes.problem(itemPath, "no policy named '" + name + "' in rate-limits");
                }
                continue;
            }
            if (section.global().contains(name)) {
                nodes.problem(itemPath, "'" + name + "' already runs on every request (rate-limits.defaults.global)");
                continue;
            }
            if (names.contains(name)) {
                nodes.problem(itemPath, "'" + name + "' is listed twice");
                continue;
            }
            names.add(name);
        }
        if (!names.isEmpty()) {
            into.put(ROUTE, new RoutePolicies(names));
        }
    }

    /** The {@code rate-limits} section of a config, or null. */
    public static RateLimitsConfig of(GatehouseConfig config) {
        return config.section(SECTION);
    }

    /** A route's policy names (empty when it has none). */
    public static List<String> of(RouteConfig route) {
        RoutePolicies policies = route.option(ROUTE);
        return policies == null ? List.of() : policies.names();
    }
}
