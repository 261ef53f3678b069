package io.gatehouse.config;

import java.time.Duration;
import java.util.List;

/**
 * An upstream service: its targets and how they are reached.
 *
 * @param hashOn      the key source of a consistent-hash upstream (null for the other balancers)
 * @param healthCheck active checks, or null for none
 * @param outlier     passive ejection, or null for none
 * @param retry       retries, or null for none
 * @param circuitBreaker a breaker per target, or null for none
 */
public record UpstreamConfig(
        String name,
        List<TargetConfig> targets,
        String balancer,
        Duration connectTimeout,
        Duration timeout,
        int maxConnections,
        HashOn hashOn,
        HealthCheckConfig healthCheck,
        OutlierConfig outlier,
        RetryConfig retry,
        CircuitBreakerConfig circuitBreaker,
        Duration sendTimeout,
        UpstreamTls tls) {

    /**
     * {@code tls} of an upstream with {@code https://} targets: whose certificates its targets' are checked against.
     *
     * @param ca     PEM bundle of the CAs to trust instead of the JVM's (an internal CA), or null
     * @param verify false only when said in so many words ({@code verify: false}): certificates and host names are
     *               then not checked, which is logged as a warning on every load
     */
    public record UpstreamTls(String ca, boolean verify) {
        public static final UpstreamTls DEFAULT = new UpstreamTls(null, true);
    }

    public static final String ROUND_ROBIN = "round-robin";
    public static final String LEAST_CONNECTIONS = "least-connections";
    public static final String CONSISTENT_HASH = "consistent-hash";
    public static final String RANDOM_TWO_CHOICES = "random-two-choices";
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_CONNECTIONS = 256;
}
