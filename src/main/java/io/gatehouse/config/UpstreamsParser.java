package io.gatehouse.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code upstreams} section: each upstream's targets, balancer, hash-on, health check, outlier ejection, retry
 * and circuit breaker.
 */
final class UpstreamsParser {
    private static final Set<String> UPSTREAM_KEYS = Set.of("targets", "balancer", "hash-on", "connect-timeout", "timeout", "send-timeout",
            "max-connections", "health-check", "outlier", "circuit-breaker", "retry", "tls");
    private static final Set<String> TLS_KEYS = Set.of("ca", "verify");
    private static final Set<String> UPSTREAM_NOT_YET = Set.of();
    private static final Pattern UPSTREAM_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Set<String> BREAKER_KEYS = Set.of("failure-ratio", "request-volume", "delay");
    private static final Set<String> RETRY_KEYS = Set.of("attempts", "on", "backoff", "methods");
    private static final Set<String> BALANCERS = Set.of(UpstreamConfig.ROUND_ROBIN, UpstreamConfig.LEAST_CONNECTIONS,
            UpstreamConfig.CONSISTENT_HASH, UpstreamConfig.RANDOM_TWO_CHOICES);
    private static final Set<String> HEALTH_CHECK_KEYS = Set.of("path", "interval", "timeout", "unhealthy-after",
            "healthy-after");
    private static final Set<String> OUTLIER_KEYS = Set.of("consecutive-failures", "eject-for");
    private static final Pattern HASH_ON = Pattern.compile("(header|cookie|query|claim):(.+)");
    private static final Set<String> TARGET_KEYS = Set.of("url", "weight");

    private final ConfigNodes nodes;

    UpstreamsParser(ConfigNodes nodes) {
        this.nodes = nodes;
    }

    /** Every upstream that could be read, by name; the names a route can refer to. */
    Map<String, UpstreamConfig> upstreams(Object node) {
        Map<String, UpstreamConfig> result = new LinkedHashMap<>();
        if (node == null) {
            nodes.problem("upstreams", "required: at least one upstream");
            return result;
        }
        Map<String, Object> map = nodes.map(node, "upstreams");
        if (map == null) {
            return result;
        }
        if (map.isEmpty()) {
            nodes.problem("upstreams", "required: at least one upstream");
        }
        for (Map.Entry<String, Object> e : map.entrySet()) {
            String path = "upstreams." + e.getKey();
            if (!UPSTREAM_NAME.matcher(e.getKey()).matches()) {
                nodes.problem(path, "an upstream name is 1-64 letters, digits, '.', '_' or '-'");
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
        Map<String, Object> map = nodes.mapping(node, path, UPSTREAM_KEYS, UPSTREAM_NOT_YET);
        if (map == null) {
            return null;
        }
        List<TargetConfig> targets = new ArrayList<>();
        List<Object> list = nodes.list(map.get("targets"), path + ".targets", true);
        if (list != null) {
            if (list.isEmpty()) {
                nodes.problem(path + ".targets", "required: at least one target");
            }
            for (int i = 0; i < list.size(); i++) {
                TargetConfig target = target(list.get(i), path + ".targets[" + i + "]");
                if (target != null) {
                    targets.add(target);
                }
            }
        }
        String balancer = nodes.string(map.get("balancer"), path + ".balancer", false);
        if (balancer == null) {
            balancer = UpstreamConfig.ROUND_ROBIN;
        } else if (!BALANCERS.contains(balancer)) {
            nodes.problem(path + ".balancer", "unknown balancer '" + balancer
                    + "' (round-robin | least-connections | consistent-hash | random-two-choices)");
        }
        HashOn hashOn = hashOn(map.get("hash-on"), path + ".hash-on", balancer);
        HealthCheckConfig healthCheck = healthCheck(map.get("health-check"), path + ".health-check");
        OutlierConfig outlier = outlier(map.get("outlier"), path + ".outlier");
        RetryConfig retry = retry(map.get("retry"), path + ".retry");
        CircuitBreakerConfig breaker = circuitBreaker(map.get("circuit-breaker"), path + ".circuit-breaker");
        Duration connectTimeout = nodes.duration(map.get("connect-timeout"), path + ".connect-timeout",
                UpstreamConfig.DEFAULT_CONNECT_TIMEOUT);
        Duration timeout = nodes.duration(map.get("timeout"), path + ".timeout", UpstreamConfig.DEFAULT_TIMEOUT);
        // how long the upstream may take to read what is written to it, at most, before it counts as not reading
        Duration sendTimeout = nodes.duration(map.get("send-timeout"), path + ".send-timeout", timeout);
        int maxConnections = nodes.integer(map.get("max-connections"), path + ".max-connections",
                UpstreamConfig.DEFAULT_MAX_CONNECTIONS, 1, 100_000);
        UpstreamConfig.UpstreamTls tls = tls(map.get("tls"), path + ".tls", targets);
        return new UpstreamConfig(name, List.copyOf(targets), balancer, connectTimeout, timeout, maxConnections, hashOn,
                healthCheck, outlier, retry, breaker, sendTimeout, tls);
    }

    private static boolean holdsCertificates(String file) {
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(java.nio.file.Path.of(file))) {
            return !java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty();
        } catch (Exception e) {
            return false;
        }
    }

    private UpstreamConfig.UpstreamTls tls(Object node, String path, List<TargetConfig> targets) {
        Map<String, Object> map = nodes.section(node, path, TLS_KEYS);
        if (map == null) {
            return UpstreamConfig.UpstreamTls.DEFAULT;
        }
        if (!targets.isEmpty() && targets.stream().noneMatch(t -> "https".equals(t.scheme()))) {
            nodes.problem(path, "applies to https:// targets, and this upstream has none");
        }
        String ca = nodes.readableFile(map.get("ca"), path + ".ca", false);
        if (ca != null && !holdsCertificates(ca)) {
            nodes.problem(path + ".ca", "'" + ca + "' holds no PEM certificate");
        }
        Boolean verify = nodes.bool(map.get("verify"), path + ".verify");
        if (Boolean.FALSE.equals(verify) && ca != null) {
            nodes.problem(path + ".verify", "verify: false trusts any certificate, so a ca would not be used: choose one");
        }
        return new UpstreamConfig.UpstreamTls(ca, !Boolean.FALSE.equals(verify));
    }

    private CircuitBreakerConfig circuitBreaker(Object node, String path) {
        Map<String, Object> map = nodes.section(node, path, BREAKER_KEYS);
        if (map == null) {
            return null;
        }
        double ratio = nodes.share(map.get("failure-ratio"), path + ".failure-ratio",
                CircuitBreakerConfig.DEFAULT_FAILURE_RATIO);
        if (ratio == 0) {
            nodes.problem(path + ".failure-ratio", "must be more than 0: a breaker that opens on no failures");
        }
        int volume = nodes.integer(map.get("request-volume"), path + ".request-volume",
                CircuitBreakerConfig.DEFAULT_REQUEST_VOLUME, 1, 100_000);
        Duration delay = nodes.duration(map.get("delay"), path + ".delay", CircuitBreakerConfig.DEFAULT_DELAY);
        return new CircuitBreakerConfig(ratio, volume, delay);
    }

    private RetryConfig retry(Object node, String path) {
        Map<String, Object> map = nodes.section(node, path, RETRY_KEYS);
        if (map == null) {
            return null;
        }
        int attempts = nodes.integer(map.get("attempts"), path + ".attempts", 2, 1, 10);
        boolean onConnectFailure = true;
        Set<Integer> statuses = Set.of(502, 503, 504);
        List<Object> on = nodes.list(map.get("on"), path + ".on", false);
        if (on != null) {
            onConnectFailure = false;
            Set<Integer> parsed = new TreeSet<>();
            for (int i = 0; i < on.size(); i++) {
                String item = nodes.string(on.get(i), path + ".on[" + i + "]", true);
                if (item == null) {
                    continue;
                }
                if (item.equals("connect-failure")) {
                    onConnectFailure = true;
                } else if (item.matches("5\\d\\d") || item.equals("429")) {
                    parsed.add(Integer.parseInt(item));
                } else {
                    nodes.problem(path + ".on[" + i + "]", "'" + item + "' must be connect-failure, 429 or a 5xx status");
                }
            }
            statuses = Set.copyOf(parsed);
        }
        Duration backoff = nodes.duration(map.get("backoff"), path + ".backoff", RetryConfig.DEFAULT_BACKOFF);
        Set<String> listed = RoutesParser.methods(nodes, map.get("methods"), path + ".methods");
        Set<String> methods = listed != null ? listed : RetryConfig.DEFAULT_METHODS;
        return new RetryConfig(attempts, onConnectFailure, statuses, backoff, methods);
    }

    private HashOn hashOn(Object node, String path, String balancer) {
        String text = nodes.string(node, path, false);
        boolean hashing = UpstreamConfig.CONSISTENT_HASH.equals(balancer);
        if (text == null) {
            return hashing ? HashOn.IP : null;
        }
        if (!hashing) {
            nodes.problem(path, "only a consistent-hash balancer uses hash-on (this one is " + balancer + ")");
            return null;
        }
        if (text.equals("ip")) {
            return HashOn.IP;
        }
        Matcher m = HASH_ON.matcher(text);
        if (!m.matches() || (!m.group(1).equals("claim") && !ConfigNodes.HEADER_NAME.matcher(m.group(2)).matches())) {
            nodes.problem(path, "'" + text + "' must be ip, header:NAME, cookie:NAME, query:NAME or claim:NAME");
            return null;
        }
        if (m.group(1).equals("claim") && !m.group(2).equals("sub") && !m.group(2).equals("tier")) {
            nodes.problem(path, "'" + text + "': the claims available for hashing are sub (the user id) and tier");
            return null;
        }
        return new HashOn(m.group(1), m.group(2));
    }

    private HealthCheckConfig healthCheck(Object node, String path) {
        Map<String, Object> map = nodes.section(node, path, HEALTH_CHECK_KEYS);
        if (map == null) {
            return null;
        }
        String checkPath = nodes.string(map.get("path"), path + ".path", true);
        if (checkPath != null && !checkPath.startsWith("/")) {
            nodes.problem(path + ".path", "'" + checkPath + "' must start with '/'");
        }
        Duration interval = nodes.duration(map.get("interval"), path + ".interval", HealthCheckConfig.DEFAULT_INTERVAL);
        Duration timeout = nodes.duration(map.get("timeout"), path + ".timeout", HealthCheckConfig.DEFAULT_TIMEOUT);
        if (timeout.compareTo(interval) > 0) {
            nodes.problem(path + ".timeout", "must not be longer than the interval (" + interval.toMillis() + "ms)");
        }
        int unhealthyAfter = nodes.integer(map.get("unhealthy-after"), path + ".unhealthy-after",
                HealthCheckConfig.DEFAULT_UNHEALTHY_AFTER, 1, 100);
        int healthyAfter = nodes.integer(map.get("healthy-after"), path + ".healthy-after",
                HealthCheckConfig.DEFAULT_HEALTHY_AFTER, 1, 100);
        return checkPath == null ? null : new HealthCheckConfig(checkPath, interval, timeout, unhealthyAfter, healthyAfter);
    }

    private OutlierConfig outlier(Object node, String path) {
        Map<String, Object> map = nodes.section(node, path, OUTLIER_KEYS);
        if (map == null) {
            return null;
        }
        int failures = nodes.integer(map.get("consecutive-failures"), path + ".consecutive-failures",
                OutlierConfig.DEFAULT_CONSECUTIVE_FAILURES, 1, 1000);
        Duration ejectFor = nodes.duration(map.get("eject-for"), path + ".eject-for", OutlierConfig.DEFAULT_EJECT_FOR);
        return new OutlierConfig(failures, ejectFor);
    }

    private TargetConfig target(Object node, String path) {
        Map<String, Object> map = nodes.mapping(node, path, TARGET_KEYS, Set.of());
        if (map == null) {
            return null;
        }
        String url = nodes.string(map.get("url"), path + ".url", true);
        int weight = nodes.integer(map.get("weight"), path + ".weight", 1, 1, 1000);
        if (url == null) {
            return null;
        }
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!"http".equals(scheme) && !"https".equals(scheme)) {
                nodes.problem(path + ".url", "'" + url + "' must start with http:// or https://");
                return null;
            }
            if (uri.getHost() == null) {
                nodes.problem(path + ".url", "'" + url + "' has no host");
                return null;
            }
            if ((uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !"/".equals(uri.getRawPath()))
                    || uri.getRawQuery() != null || uri.getRawUserInfo() != null) {
                nodes.problem(path + ".url", "'" + url + "' must be scheme://host:port only; rewrite paths on the route");
                return null;
            }
            int port = uri.getPort() != -1 ? uri.getPort() : ("https".equals(scheme) ? 443 : 80);
            String host = uri.getHost();
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            return new TargetConfig(scheme, host, port, weight);
        } catch (URISyntaxException e) {
            nodes.problem(path + ".url", "'" + url + "' is not a URL: " + e.getReason());
            return null;
        }
    }
}
