package io.gatehouse.pipeline;

/**
 * A CDI event fired (synchronously, on the reloading thread) when a snapshot becomes live, for whatever must follow
 * the live config outside a request: per-target gauges, admin views. Observers must not fail or block for long.
 */
public record SnapshotInstalled(GatewaySnapshot snapshot) {
}
