package io.gatehouse.pipeline;

import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.upstream.UpstreamRegistry;
import jakarta.inject.Singleton;
import jakarta.inject.Inject;


/** Holds the live snapshot. Installing a config compiles it fully first, then swaps one reference. */
@Singleton
public class GatewayState implements LiveSnapshot {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(GatewayState.class);
    private final SnapshotCompiler compiler;
    private final UpstreamRegistry upstreams;
    private final jakarta.enterprise.event.Event<SnapshotInstalled> installed;
    private final jakarta.enterprise.event.Event<ReloadRefused> refused;
    private volatile GatewaySnapshot current;
    private volatile String lastError;
    private long versions;

    @Inject
    public GatewayState(SnapshotCompiler compiler, UpstreamRegistry upstreams,
                        jakarta.enterprise.event.Event<SnapshotInstalled> installed,
                        jakarta.enterprise.event.Event<ReloadRefused> refused) {
        this.compiler = compiler;
        this.upstreams = upstreams;
        this.installed = installed;
        this.refused = refused;
    }

    @Override
    public GatewaySnapshot current() {
        return current;
    }

    public synchronized GatewaySnapshot install(String source, GatehouseConfig config) {
        GatewaySnapshot previous = current;
        GatewaySnapshot next = compiler.compile(++versions, source, config, previous);
        current = next;
        if (previous != null) {
            // Each feature releases what the new snapshot did not take over, once the requests still running on
            // the old one are done (they keep using its keys, counters and stores until then).
            previous.usage().replace(() -> previous.features().forEach((factory, set) -> {
                FilterSet successor = next.features().get(factory);
                if (set != successor) {
                    try {
                        set.retire(successor);
                    } catch (RuntimeException e) {
                        LOG.errorf(e, "retiring %s of config version %d failed", set.getClass().getName(), previous.version());
                    }
                }
            }));
        }
        lastError = null;
        upstreams.retainOnly(next.upstreams());
        installed.fire(new SnapshotInstalled(next));
        return next;
    }

    /** Records why the latest reload was refused (shown by health and admin). */
    public void reloadRefused(String error) {
        lastError = error;
        refused.fire(new ReloadRefused(error));
    }

    @Override
    public String lastError() {
        return lastError;
    }
}
