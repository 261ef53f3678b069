package io.gatehouse.upstream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;

import java.util.concurrent.TimeUnit;

/** A target's request meters, resolved once and kept with its state, so recording needs no lookup. */
public final class TargetMeters {
    private final Counter successes;
    private final Counter failures;
    private final Timer latency;

    public TargetMeters(Counter successes, Counter failures, Timer latency) {
        this.successes = successes;
        this.failures = failures;
        this.latency = latency;
    }

    public void outcome(boolean ok) {
        (ok ? successes : failures).increment();
    }

    public void responded(long nanos) {
        latency.record(nanos, TimeUnit.NANOSECONDS);
    }
}
