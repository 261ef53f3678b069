package io.gatehouse.observe;

import io.gatehouse.config.ConfigExtension;
import io.gatehouse.config.ConfigKey;
import io.gatehouse.config.ConfigNodes;
import io.gatehouse.config.FeatureSettings;
import io.gatehouse.config.RouteConfig;
import jakarta.inject.Singleton;

import java.util.Map;
import java.util.Set;

/**
 * Each route's {@code access-log}: {@code true} (the default), {@code false}, or {@code {sample: 0.1}} (also
 * {@code "10%"}), the share of the route's answers below 500 that are logged; 5xx answers are always logged.
 */
@Singleton
public class AccessLogConfigExtension implements ConfigExtension {
    static final ConfigKey<Sampling> ROUTE = ConfigKey.of("route access-log", Sampling.class);

    /** How much of a route's traffic is logged: {@code sample} of the answers below 500, every 5xx. */
    public record Sampling(double sample) {
        static final Sampling ALL = new Sampling(1.0);
        static final Sampling OFF = new Sampling(0.0);

        /** Whether an answer with {@code status} goes in the log; {@code random} is uniform in [0, 1). */
        boolean logs(int status, double random) {
            return status >= 500 ? this != OFF : random < sample;
        }
    }

    @Override
    public Set<String> routeKeys() {
        return Set.of("access-log");
    }

    @Override
    public void parseRoute(ConfigNodes nodes, Map<String, Object> route, String path, FeatureSettings sections,
                           Map<String, Object> file, FeatureSettings.Builder into) {
        Object node = route.get("access-log");
        String at = path + ".access-log";
        if (node == null || Boolean.TRUE.equals(node)) {
            return;
        }
        if (Boolean.FALSE.equals(node)) {
            into.put(ROUTE, Sampling.OFF);
            return;
        }
        if (!(node instanceof Map)) {
            nodes.problem(at, "must be true, false or {sample: 0.1}");
            return;
        }
        Map<String, Object> map = nodes.mapping(node, at, Set.of("sample"), Set.of());
        if (map == null) {
            return;
        }
        Double sample = share(map.get("sample"));
        if (sample == null) {
            nodes.problem(at + ".sample", "must be a share between 0 and 1 (0.1) or a percentage (\"10%\")");
            return;
        }
        into.put(ROUTE, sample >= 1.0 ? Sampling.ALL : new Sampling(sample));
    }

    /** A share in [0, 1] from 0.1 or "10%", or null. */
    static Double share(Object node) {
        double value;
        if (node instanceof Number n) {
            value = n.doubleValue();
        } else if (node instanceof String s && s.trim().endsWith("%")) {
            try {
                value = Double.parseDouble(s.trim().substring(0, s.trim().length() - 1).trim()) / 100.0;
            } catch (NumberFormatException e) {
                return null;
            }
        } else {
            return null;
        }
        return Double.isFinite(value) && value >= 0 && value <= 1 ? value : null;
    }

    /** A route's sampling ({@link Sampling#ALL} unless its config says otherwise). */
    static Sampling of(RouteConfig route) {
        Sampling s = route.option(ROUTE);
        return s == null ? Sampling.ALL : s;
    }
}
