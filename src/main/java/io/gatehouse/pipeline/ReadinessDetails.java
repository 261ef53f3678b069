package io.gatehouse.pipeline;

import java.util.function.BiConsumer;

/**
 * Details a feature adds to the readiness report ({@code /q/health/ready}) as a CDI bean: what it knows about
 * its own state (keys fetched, a store reachable…). Details never make the gateway unready: a feature's trouble
 * is shown, and the gateway keeps serving what it can.
 */
public interface ReadinessDetails {
    /** Adds details of the live snapshot; called on the health check's thread, must be quick. */
    void describe(GatewaySnapshot snapshot, BiConsumer<String, Object> detail);
}
