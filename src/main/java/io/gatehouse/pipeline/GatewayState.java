package io.gatehouse.pipeline;

import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.RouteConfig;
import io.gatehouse.observe.GatewayMetrics;
import io.gatehouse.upstream.UpstreamRegistry;
import jakarta.inject.Singleton;
import jakarta.inject.Inject;

import java.util.stream.Collectors;

/** Holds the live snapshot. Installing a config compiles it fully first, then swaps one reference. */
@Singleton
public class GatewayState {
    private final SnapshotCompiler compiler;
    private final UpstreamRegistry upstreams;
    private final GatewayMetrics metrics;
    private volatile GatewaySnapshot current;
    private volatile String lastError;
    private long versions;

    @Inject
    public GatewayState(SnapshotCompiler compiler, UpstreamRegistry upstreams, GatewayMetrics metrics) {
        this.compiler = compiler;
        this.upstreams = upstreams;
        this.metrics = metrics;
    }

    /** The live snapshot, or null before the first config is loaded. */
    public GatewaySnapshot current() {
        return current;
    }

    public synchronized GatewaySnapshot install(String source, GatehouseConfig config) {
        GatewaySnapshot previous = current;
        GatewaySnapshot next = compiler.compile(++versions, source, config, previous);
        current = next;
        if (previous != null && previous.jwt() != null && previous.jwt() != next.jwt()) {
            // stops its JWKS refresh; requests still in flight on it verify with the keys it holds
            previous.jwt().close();
        }
        lastError = null;
        upstreams.retainOnly(next.upstreams());
        metrics.targets(next.upstreams().values());
        metrics.retainOnly(config.routes().stream().map(RouteConfig::id).collect(Collectors.toSet()));
        metrics.retainAuthOnly(config.routes().stream().filter(RouteConfig::authenticated).map(RouteConfig::id)
                .collect(Collectors.toSet()));
        return next;
    }

    /** Records why the latest reload was refused (shown by health and admin). */
    public void reloadRefused(String error) {
        lastError = error;
    }

    public String lastError() {
        return lastError;
    }
}
