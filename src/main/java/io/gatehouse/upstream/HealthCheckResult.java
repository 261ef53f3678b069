package io.gatehouse.upstream;

import java.time.Instant;

/**
 * One active health check of one target.
 *
 * @param target   the target's URL
 * @param ok       whether it answered 2xx or 3xx within the check's timeout
 * @param status   the status it answered, or 0 when none came back
 * @param error    why no status came back (connect refused, timeout…), or null
 * @param millis   how long the check took
 * @param at       when it completed
 * @param healthy  the target's active health once this result was counted ({@code unhealthy-after},
 *                 {@code healthy-after} in a row decide, so one result may not flip it)
 */
public record HealthCheckResult(String target, boolean ok, int status, String error, long millis, Instant at,
                                boolean healthy) {
}
