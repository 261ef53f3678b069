package io.gatehouse.pipeline;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

/**
 * A filter's handler for a response body read whole into a bounded buffer ({@link UpstreamResponse#bufferBody}):
 * the head waits until the body is in, so the filter may still change status and headers along with the body.
 */
public interface WholeBody {
    /** The whole body, within the bound: returns the body to send (the same buffer, or another). */
    Future<Buffer> onBody(Buffer body);

    /**
     * The body outgrew the bound. {@code true}: it streams through untouched (the filter sees none of it);
     * {@code false}: the request fails with 502 {@code upstream_response_too_large}.
     */
    boolean streamWhenOverBound();
}
