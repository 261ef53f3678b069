package io.gatehouse.pipeline;

import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.routing.RouteTable;
import io.gatehouse.upstream.Upstream;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Everything one config produces, immutable: the route table with each route's chain, the global stage, the
 * upstreams with their balancers and pools, and each feature's compiled state. A reload builds a new snapshot and
 * swaps one reference; a request keeps the snapshot it started on until it is done ({@link #enter}/{@link #leave}),
 * and the features' state of a replaced snapshot is retired only after its last request ended. Names no feature.
 *
 * @param compiledRoutes the routes in file order (what {@code routes} matches among)
 * @param globalFilters  the global stage: every request walks it before routing
 * @param features       each feature's compiled state, by its factory (for the next snapshot's build)
 * @param trustedProxies {@code server.trusted-proxies}: whose forwarding headers are believed
 */
public record GatewaySnapshot(
        long version,
        String source,
        Instant loadedAt,
        GatehouseConfig config,
        RouteTable<CompiledRoute> routes,
        java.util.List<CompiledRoute> compiledRoutes,
        Map<String, Upstream> upstreams,
        GatewayFilter[] globalFilters,
        int globalPhases,
        Map<FilterFactory<?>, FilterSet> features,
        TrustedProxies trustedProxies,
        Usage usage) {

    /**
     * Requests in flight on a snapshot, and its retirement once it is replaced and they are done. A LongAdder, not
     * one shared counter: every request enters and leaves, on every event loop.
     */
    public static final class Usage {
        private final LongAdder inFlight = new LongAdder();
        private volatile boolean replaced;
        private final AtomicBoolean retired = new AtomicBoolean();
        private volatile Runnable onRetire;

        /** Whether the snapshot was replaced (a request that sees this takes the live one instead). */
        public boolean replaced() {
            return replaced;
        }

        /** Marks the snapshot replaced; {@code onRetire} runs once its last request has left (maybe now). */
        public void replace(Runnable onRetire) {
            this.onRetire = onRetire;
            replaced = true;
            // Dekker with enter(): a request that incremented and then saw replaced == false is counted here.
            if (inFlight.sum() == 0) {
                retire();
            }
        }

        void enter() {
            inFlight.increment();
        }

        void leave() {
            inFlight.decrement();
            if (replaced && inFlight.sum() == 0) {
                retire();
            }
        }

        public long inFlight() {
            return inFlight.sum();
        }

        private void retire() {
            if (retired.compareAndSet(false, true) && onRetire != null) {
                onRetire.run();
            }
        }
    }

    /** Counts a request in on the live snapshot, which it keeps to the end; null before the first config. */
    public static GatewaySnapshot enterLive(LiveSnapshot state) {
        for (;;) {
            GatewaySnapshot snapshot = state.current();
            if (snapshot == null || snapshot.enter()) {
                return snapshot;
            }
        }
    }

    /**
     * Counts a request in. Returns false when the snapshot was replaced meanwhile: the caller leaves and takes the
     * live snapshot, so a replaced snapshot gains no new requests once its retirement may have begun.
     */
    public boolean enter() {
        usage.enter();
        if (usage.replaced()) {
            usage.leave();
            return false;
        }
        return true;
    }

    public void leave() {
        usage.leave();
    }

    /** The compiled state of one feature in this snapshot, or null. */
    @SuppressWarnings("unchecked")
    public <S extends FilterSet> S feature(Class<S> type) {
        for (FilterSet set : features.values()) {
            if (type.isInstance(set)) {
                return (S) set;
            }
        }
        return null;
    }
}
