package io.gatehouse.upstream;

import io.gatehouse.config.TargetConfig;

import java.util.concurrent.atomic.AtomicInteger;

/** One instance of an upstream at run time: where it is, its weight, and how many requests it has in flight. */
public final class Target {
    private final TargetConfig config;
    private final boolean ssl;
    private final String authority;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean available = true;

    public Target(TargetConfig config) {
        this.config = config;
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
        return inFlight.get();
    }

    /**
     * Whether balancers may choose this target: healthy by the active checks and not ejected by the passive
     * ones. Read on every pick, so it is a plain volatile read.
     */
    public boolean available() {
        return available;
    }

    /** Set by health tracking (active checks, outlier ejection); balancers only read it. */
    void available(boolean available) {
        this.available = available;
    }

    /** Called by the proxy around each request sent to this target. */
    public void requestStarted() {
        inFlight.incrementAndGet();
    }

    public void requestEnded() {
        inFlight.decrementAndGet();
    }

    @Override
    public String toString() {
        return url();
    }
}
