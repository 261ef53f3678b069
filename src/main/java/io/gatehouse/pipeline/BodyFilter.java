package io.gatehouse.pipeline;

import io.vertx.core.buffer.Buffer;

/**
 * A streaming step on a response body ({@link UpstreamResponse#observeBody}, {@link UpstreamResponse#transformBody}):
 * sees each chunk as it arrives, with back-pressure intact. Runs on the request's event loop; must not block.
 */
public interface BodyFilter {
    /** A chunk from the upstream: returns what to pass on now (the chunk, another buffer, or null for nothing). */
    Buffer onChunk(Buffer chunk);

    /** The upstream body ended: returns a last piece to pass on, or null. */
    default Buffer onEnd() {
        return null;
    }

    /** The body broke off (the upstream or the client went away): nothing more comes, and nothing is complete. */
    default void onAbort() {
    }
}
