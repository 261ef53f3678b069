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

    /** How much of a route's traffic is logged: when on, {@code sample} of the answers below 500 and every 5xx. */
    public record Sampling(boolean on, double sample) {
        static final Sampling ALL = new Sampling(true, 1.0);
        static final Sampling OFF = new Sampling(false, 0.0);

        Sampling(double sample) {
            this(true, sample);
        }

        /** Whether an answer with {@code status} goes in the log; {@code random} is uniform in [0, 1). */
        boolean logs(int status, double random) {
            return on && (status >= 500 || random < sample);
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
        double sample = nodes.share(map.get("sample"), at + ".sample", 1.0);
        into.put(ROUTE, sample >= 1.0 ? Sampling.ALL : new Sampling(sample));
    }

    /** A route's sampling ({@link Sampling#ALL} unless its config says otherwise). */
    static Sampling of(RouteConfig route) {
        Sampling s = route.option(ROUTE);
        return s == null ? Sampling.ALL : s;
    }
}
