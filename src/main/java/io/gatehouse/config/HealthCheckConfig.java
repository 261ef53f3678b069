package io.gatehouse.config;

import java.time.Duration;

/** Active health checks: a GET of {@code path} on every target every {@code interval}. */
public record HealthCheckConfig(String path, Duration interval, Duration timeout, int unhealthyAfter, int healthyAfter) {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    public static final int DEFAULT_UNHEALTHY_AFTER = 3;
    public static final int DEFAULT_HEALTHY_AFTER = 1;
}
