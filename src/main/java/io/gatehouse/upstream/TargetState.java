package io.gatehouse.upstream;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the gateway knows about one target over time: in-flight requests, active health, passive ejection.
 * Kept across config reloads for a target that stays (same upstream and URL), so a reload neither forgets
 * that a target is down nor resets its load.
 *
 * <p>Balancers read {@link #available()} on every pick: one volatile read. Transitions (a health check
 * flipping, an ejection starting or ending) are rare and synchronized.
 */
public final class TargetState {
    final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean available = true;
    /** An operator's maintenance override (admin API): no new requests while set; in-flight ones finish. */
    private boolean drained;
    /** The latest active check of this target, or null before the first. */
    private volatile HealthCheckResult lastCheck;
    private long ejectedUntilMillis;

    // active checks (updated by the checker of this target's upstream)
    private boolean activeHealthy = true;
    private int checkSuccesses;
    private int checkFailures;

    // passive ejection (updated from every event loop)
    final AtomicInteger consecutiveFailures = new AtomicInteger();
    private boolean ejected;
    private boolean breakerOpen;
    /** The circuit breaker, kept with the state so that its counts survive reloads; rebuilt when its config changes. */
    TargetBreaker breaker;
    /** Set when the target's meters are registered (observe.GatewayMetrics); null until then. */
    public volatile TargetMeters meters;
    private int ejections;
    private long returnedAtMillis;

    public boolean available() {
        return available;
    }

    public int inFlightCount() {
        return inFlight.get();
    }

    public synchronized boolean activeHealthy() {
        return activeHealthy;
    }

    public synchronized boolean ejected() {
        return ejected;
    }

    private void recompute() {
        available = activeHealthy && !ejected && !breakerOpen && !drained;
    }

    /** @return true when this check changed the target's active health */
    synchronized boolean checkResult(boolean ok, int unhealthyAfter, int healthyAfter) {
        if (ok) {
            checkFailures = 0;
            checkSuccesses++;
            if (!activeHealthy && checkSuccesses >= healthyAfter) {
                activeHealthy = true;
                recompute();
                return true;
            }
        } else {
            checkSuccesses = 0;
            checkFailures++;
            if (activeHealthy && checkFailures >= unhealthyAfter) {
                activeHealthy = false;
                recompute();
                return true;
            }
        }
        return false;
    }

    /** For tests and for balancers' own checks: force the active health. */
    synchronized void activeHealthy(boolean healthy) {
        activeHealthy = healthy;
        checkFailures = 0;
        checkSuccesses = 0;
        recompute();
    }

    /**
     * Starts an ejection and returns how long it lasts (doubling for repeat offenders, at most 16 times the
     * base), or -1 when the target is already ejected.
     */
    synchronized long eject(long baseMillis, long nowMillis) {
        if (ejected) {
            return -1;
        }
        if (returnedAtMillis > 0 && nowMillis - returnedAtMillis > baseMillis * (1L << Math.min(ejections, 4))) {
            ejections = 0; // behaved for a full ejection period since it came back: forgiven
        }
        long duration = baseMillis * (1L << Math.min(ejections, 4));
        ejections++;
        ejected = true;
        ejectedUntilMillis = nowMillis + duration;
        recompute();
        return duration;
    }

    /**
     * Drains the target (true: balancers no longer choose it; requests already sent to it finish) or enables it
     * again (false). Kept across reloads with the rest of the state while the target stays in its upstream.
     */
    public synchronized void drained(boolean drain) {
        drained = drain;
        recompute();
    }

    public synchronized boolean drained() {
        return drained;
    }

    /** When the running ejection ends (epoch millis), or 0 when the target is not ejected. */
    public synchronized long ejectedUntilMillis() {
        return ejected ? ejectedUntilMillis : 0;
    }

    public HealthCheckResult lastCheck() {
        return lastCheck;
    }

    void lastCheck(HealthCheckResult result) {
        lastCheck = result;
    }

    synchronized void breakerOpen(boolean open) {
        breakerOpen = open;
        recompute();
    }

    public synchronized boolean breakerOpen() {
        return breakerOpen;
    }

    synchronized void endEjection(long nowMillis) {
        ejected = false;
        returnedAtMillis = nowMillis;
        consecutiveFailures.set(0);
        recompute();
    }
}
