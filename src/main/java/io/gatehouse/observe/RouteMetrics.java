package io.gatehouse.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;

import java.util.concurrent.TimeUnit;

/**
 * The meters of one route, resolved once when the route is compiled so the hot path records with no lookup:
 * requests by status class, total latency, upstream latency (to the response head), and in-flight requests.
 */
public final class RouteMetrics {
    final String routeId;
    private final Counter[] byStatusClass;
    private final Timer duration;
    private final Timer upstreamDuration;
    private final java.util.concurrent.atomic.LongAdder inFlight;

    RouteMetrics(String routeId, Counter[] byStatusClass, Timer duration, Timer upstreamDuration,
                 java.util.concurrent.atomic.LongAdder inFlight) {
        this.routeId = routeId;
        this.byStatusClass = byStatusClass;
        this.duration = duration;
        this.upstreamDuration = upstreamDuration;
        this.inFlight = inFlight;
    }

    /** A routed request entered the route's chain (its in-flight count). */
    public void started() {
        inFlight.increment();
    }

    /**
     * @param upstreamNanos time to the upstream's response head, or negative when no upstream answered
     * @param started       whether {@link #started()} counted the request in flight
     */
    public void finished(int status, long durationNanos, long upstreamNanos, boolean started) {
        if (started) {
            inFlight.decrement();
        }
        countStatus(status);
        duration.record(durationNanos, TimeUnit.NANOSECONDS);
        if (upstreamNanos >= 0) {
            upstreamDuration.record(upstreamNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** A request refused before it could be routed (not valid HTTP, no Host…): counted by status, no latency. */
    public void refused(int status) {
        countStatus(status);
    }

    private void countStatus(int status) {
        int statusClass = status / 100;
        byStatusClass[statusClass >= 1 && statusClass <= 5 ? statusClass - 1 : 4].increment();
    }

    public String routeId() {
        return routeId;
    }
}
