package io.gatehouse.upstream;

import io.gatehouse.config.TargetConfig;


/** One instance of an upstream at run time: where it is, its weight, and how many requests it has in flight. */
public final class Target {
    private final TargetConfig config;
    private final boolean ssl;
    private final String authority;
    private final TargetState state;

    public Target(TargetConfig config) {
        this(config, new TargetState());
    }

    public Target(TargetConfig config, TargetState state) {
        this.config = config;
        this.state = state;
        this.ssl = "https".equals(config.scheme());
        this.authority = config.authority();
    }

    public String host() {
        return config.host();
    }

    public int port() {
        return config.port();
    }

    public boolean ssl() {
        return ssl;
    }

    public int weight() {
        return config.weight();
    }

    /** host[:port] as a Host header names it. */
    public String authority() {
        return authority;
    }

    public String url() {
        return config.url();
    }

    public int inFlight() {
        return state.inFlight.get();
    }

    public TargetState state() {
        return state;
    }

    /** The target's circuit breaker, or null when its upstream has none. */
    public TargetBreaker breaker() {
        return state.breaker;
    }

    /** The circuit breaker's state for people: {@code none} (no breaker), {@code closed}, {@code open}, {@code half-open}. */
    public String circuitState() {
        TargetBreaker breaker = state.breaker;
        return breaker == null ? "none" : breaker.describe(state.breakerOpen());
    }

    /**
     * Whether balancers may choose this target: healthy by the active checks and not ejected by the passive
     * ones. Read on every pick, so it is a plain volatile read.
     */
    public boolean available() {
        return state.available();
    }

    /** Forces the active health (tests); health tracking goes through {@link TargetState}. */
    void available(boolean available) {
        state.activeHealthy(available);
    }

    /** Called by the proxy around each request sent to this target. */
    public void requestStarted() {
        state.inFlight.incrementAndGet();
    }

    public void requestEnded() {
        state.inFlight.decrementAndGet();
    }

    @Override
    public String toString() {
        return url();
    }
}
