package io.gatehouse.config;

import java.time.Duration;
import java.util.Set;

/**
 * Retries of failed requests on another target.
 *
 * @param attempts extra tries after the first, each on another target when there is one
 * @param onConnectFailure retry when no response head came back (refused, reset, closed before the head)
 * @param onStatus upstream statuses that are retried (their response is dropped, never sent to the client)
 * @param backoff the first wait; it doubles per try, with jitter
 * @param methods the methods that may be retried (idempotent ones by default)
 */
public record RetryConfig(int attempts, boolean onConnectFailure, Set<Integer> onStatus, Duration backoff, Set<String> methods) {
    public static final Set<String> DEFAULT_METHODS = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE");
    public static final Duration DEFAULT_BACKOFF = Duration.ofMillis(25);
    /** Bodies up to this size are kept so that a retry can send them again; larger ones are never retried. */
    public static final int MAX_REPLAY_BODY = 64 * 1024;
}
