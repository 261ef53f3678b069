package io.gatehouse.config;

import java.time.Duration;

/** Passive health: a target failing real traffic {@code consecutiveFailures} times in a row is ejected for a while. */
public record OutlierConfig(int consecutiveFailures, Duration ejectFor) {
    public static final int DEFAULT_CONSECUTIVE_FAILURES = 5;
    public static final Duration DEFAULT_EJECT_FOR = Duration.ofSeconds(30);
}
