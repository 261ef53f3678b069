package io.gatehouse.auth;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Set;

/**
 * Authentication and authorization outcomes of one route ({@code gatehouse.auth}, tags route and outcome),
 * resolved when the route is compiled so a request records with no lookup.
 */
final class AuthMetrics {
    static final String NAME = "gatehouse.auth";
    static final String[] OUTCOMES = {"ok", "missing", "invalid", "forbidden", "expired", "bad_signature"};

    private final Counter ok;
    private final Counter missing;
    private final Counter invalid;
    private final Counter forbidden;
    private final Counter expired;
    private final Counter badSignature;

    /** The counters of an authenticated route; registering again returns the same ones. */
    static AuthMetrics register(MeterRegistry registry, String routeId) {
        Counter[] counters = new Counter[OUTCOMES.length];
        for (int i = 0; i < counters.length; i++) {
            counters[i] = Counter.builder(NAME)
                    .description("Authentication outcomes, by route: ok, missing, invalid, expired, bad_signature or forbidden")
                    .tags("route", routeId, "outcome", OUTCOMES[i])
                    .register(registry);
        }
        return new AuthMetrics(counters);
    }

    /** Drops the counters of routes that are gone or no longer authenticate. */
    static void retainOnly(MeterRegistry registry, Set<String> routeIds) {
        registry.getMeters().stream()
                .filter(m -> m.getId().getName().equals(NAME) && !routeIds.contains(m.getId().getTag("route")))
                .map(Meter::getId)
                .toList()
                .forEach(registry::remove);
    }

    AuthMetrics(Counter[] counters) {
        this.ok = counters[0];
        this.missing = counters[1];
        this.invalid = counters[2];
        this.forbidden = counters[3];
        this.expired = counters[4];
        this.badSignature = counters[5];
    }

    /** A credential was accepted (and, where the route lists roles, a role matched). */
    public void ok() {
        ok.increment();
    }

    /** No credential was presented. */
    public void missing() {
        missing.increment();
    }

    /** A credential was presented but is not valid (for a token: any reason but the two below). */
    public void invalid() {
        invalid.increment();
    }

    /** Authenticated, but holding none of the route's roles. */
    public void forbidden() {
        forbidden.increment();
    }

    /** A token was presented whose exp (plus the clock skew) has passed. */
    public void expired() {
        expired.increment();
    }

    /** A token was presented whose signature does not verify with the configured key (forged or tampered). */
    public void badSignature() {
        badSignature.increment();
    }
}
