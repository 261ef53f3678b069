package io.gatehouse.pipeline;

/**
 * The live snapshot, for features that must read it outside a request (readiness, admin endpoints). Implemented by
 * the server's state holder; features depend on this interface, not on the server.
 */
public interface LiveSnapshot {
    /** The live snapshot, or null before the first config is loaded. */
    GatewaySnapshot current();

    /** Why the latest reload was refused, or null. */
    String lastError();
}
