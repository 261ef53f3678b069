package io.gatehouse.config;

import java.time.Duration;

/**
 * A circuit breaker per target: over the last {@code requestVolume} requests, a failure share of
 * {@code failureRatio} or more opens it for {@code delay}; then one trial request decides.
 */
public record CircuitBreakerConfig(double failureRatio, int requestVolume, Duration delay) {
    public static final double DEFAULT_FAILURE_RATIO = 0.5;
    public static final int DEFAULT_REQUEST_VOLUME = 20;
    public static final Duration DEFAULT_DELAY = Duration.ofSeconds(10);
}
