package io.gatehouse.pipeline;

/**
 * A CDI event fired (synchronously, on the reloading thread) when a changed config was refused and the running one
 * stays: the counterpart of {@link SnapshotInstalled}, for whatever keeps a history of reloads (the admin status
 * page). Observers must not fail or block for long.
 *
 * @param error the problems, each naming its key path, joined with "; " (as {@link LiveSnapshot#lastError()})
 */
public record ReloadRefused(String error) {
}
