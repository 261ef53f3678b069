package io.gatehouse.upstream;

import io.gatehouse.config.CircuitBreakerConfig;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.Guard;
import io.vertx.core.Vertx;
import jakarta.enterprise.util.TypeLiteral;
import org.jboss.logging.Logger;

import java.time.temporal.ChronoUnit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The circuit breaker of one target, on SmallRye Fault Tolerance's programmatic {@link Guard}. The proxy
 * begins each attempt through {@link #begin()} and completes the returned future with the attempt's outcome.
 *
 * <p>An open breaker takes the target out of the balancers' choice. Once its delay has passed the breaker is
 * half-open and the target is offered to the balancers again: the next request is the trial that closes the
 * breaker or opens it once more.
 */
public final class TargetBreaker {
    private static final Logger LOG = Logger.getLogger(TargetBreaker.class);
    private static final TypeLiteral<CompletionStage<Void>> STAGE = new TypeLiteral<>() {
    };
    /** The failure an attempt's future completes with; its stack is never needed. */
    public static final RuntimeException FAILED = new RuntimeException("upstream attempt failed", null, false, false) {
    };

    final CircuitBreakerConfig config;
    private final Guard guard;
    /** The breaker's latest state as SmallRye reported it (for the admin view; never read on the hot path). */
    private volatile CircuitBreakerState lastState = CircuitBreakerState.CLOSED;

    TargetBreaker(CircuitBreakerConfig config, TargetState state, Vertx vertx, String description) {
        this.config = config;
        this.guard = Guard.create()
                .withDescription(description)
                .withThreadOffload(false)
                .withCircuitBreaker()
                .failureRatio(config.failureRatio())
                .requestVolumeThreshold(config.requestVolume())
                .delay(config.delay().toMillis(), ChronoUnit.MILLIS)
                .onStateChange(s -> {
                    if (state.breaker != null && state.breaker != this) {
                        return; // a breaker replaced by a reload: its late transitions no longer speak for the target
                    }
                    lastState = s;
                    // Half-open (SmallRye moves there by itself once the delay is over) offers the target again:
                    // the next request is the trial, and requests the breaker refuses meanwhile go elsewhere.
                    state.breakerOpen(s == CircuitBreakerState.OPEN);
                    if (s == CircuitBreakerState.OPEN) {
                        LOG.warnf("%s: circuit breaker open for %d ms", description, config.delay().toMillis());
                        // in case the half-open transition only happens on a call: offer the target again anyway
                        vertx.setTimer(Math.max(1, config.delay().toMillis()), id -> state.breakerOpen(false));
                    } else {
                        LOG.infof("%s: circuit breaker %s", description, s.name().toLowerCase());
                    }
                })
                .done()
                .build();
    }

    /**
     * {@code closed}, {@code open} (the target is out of rotation), or {@code half-open} (the delay is over: the
     * next request is the trial that closes or reopens it).
     */
    public String describe(boolean heldOpen) {
        if (heldOpen) {
            return "open";
        }
        return lastState == CircuitBreakerState.CLOSED ? "closed" : "half-open";
    }

    /**
     * Starts an attempt on this target.
     *
     * @return the future to complete with the outcome ({@code null} success, {@link #FAILED} failure), or null
     *         when the breaker refuses the attempt
     */
    public CompletableFuture<Void> begin() {
        CompletableFuture<Void> outcome = new CompletableFuture<>();
        CompletionStage<Void> guarded = guard.get(() -> outcome, STAGE);
        CompletableFuture<Void> g = guarded.toCompletableFuture();
        if (g.isCompletedExceptionally()) {
            return null; // open: prevented without running
        }
        return outcome;
    }
}
