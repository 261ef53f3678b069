package io.gatehouse.pipeline;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;

import java.util.ArrayList;
import java.util.List;

/**
 * The upstream-response phase's view of an attempt's outcome: either the upstream's answer (status, the headers
 * that will go to the client, and its body to come) or the failure the gateway made of it ({@link #failure()}: a
 * connect error, a timeout, an open circuit, no healthy target). A filter may {@link #replaceWith replace} either
 * with its own answer (a stored response for a {@code 304}, a stale entry for a failure), and may tap or transform
 * the body. Filters see it in reverse chain order; the last word is the outermost filter's.
 */
public final class UpstreamResponse {
    private final MultiMap headers;
    private final LocalReply failure;
    private int status;
    private LocalReply replacement;
    private List<BodyFilter> bodyFilters;
    private List<WholeBody> wholeBody;
    private long wholeBodyLimit = Long.MAX_VALUE;
    int phase;

    private UpstreamResponse(int status, MultiMap headers, LocalReply failure) {
        this.status = status;
        this.headers = headers;
        this.failure = failure;
    }

    /** An answer from the upstream; {@code headers} are the client response's own, after the header rules. */
    public static UpstreamResponse answered(int status, MultiMap headers) {
        return new UpstreamResponse(status, headers, null);
    }

    static UpstreamResponse failed(LocalReply failure) {
        return new UpstreamResponse(failure.status(), null, failure);
    }

    /** The upstream's status (or the failure's). */
    public int status() {
        return status;
    }

    /** Changes the status the client gets (an upstream answer only). */
    public UpstreamResponse status(int status) {
        if (failure == null) {
            this.status = status;
        }
        return this;
    }

    /** The headers that go to the client with an upstream answer; null for a gateway failure. */
    public MultiMap headers() {
        return headers;
    }

    /** The answer the gateway will give for a failed attempt, or null when the upstream answered. */
    public LocalReply failure() {
        return failure;
    }

    public boolean isFailure() {
        return failure != null;
    }

    /** Answers with {@code reply} instead (the upstream's body, if any, is dropped unread). */
    public UpstreamResponse replaceWith(LocalReply reply) {
        this.replacement = reply;
        return this;
    }

    /** The replacement a filter chose, or null. */
    public LocalReply replacement() {
        return replacement;
    }

    /** Sees the body as it streams, passing every chunk on unchanged (a cache tee, a checksum). */
    public UpstreamResponse observeBody(BodyFilter observer) {
        addBodyFilter(observer);
        return this;
    }

    /** Changes the body as it streams: its length may change, so Content-Length goes and the body is chunked. */
    public UpstreamResponse transformBody(BodyFilter transform) {
        if (headers != null) {
            headers.remove(HttpHeaders.CONTENT_LENGTH);
        }
        addBodyFilter(transform);
        return this;
    }

    /**
     * Reads the body whole, up to {@code maxBytes}, before the head goes out ({@link WholeBody}). Everyone else's
     * body keeps streaming; the upstream's body-idle timeout keeps watching the upstream while this one buffers.
     */
    public UpstreamResponse bufferBody(long maxBytes, WholeBody handler) {
        if (failure == null) {
            if (wholeBody == null) {
                wholeBody = new ArrayList<>(1);
            }
            wholeBody.add(handler);
            wholeBodyLimit = Math.min(wholeBodyLimit, maxBytes);
        }
        return this;
    }

    private void addBodyFilter(BodyFilter filter) {
        if (failure == null) {
            if (bodyFilters == null) {
                bodyFilters = new ArrayList<>(2);
            }
            bodyFilters.add(filter);
        }
    }

    /** The streaming body filters, in the order they were added; null when none. */
    public List<BodyFilter> bodyFilters() {
        return bodyFilters;
    }

    /** The whole-body handlers, or null when no filter asked for the whole body. */
    public List<WholeBody> wholeBody() {
        return wholeBody;
    }

    /** The smallest bound any whole-body handler asked for. */
    public long wholeBodyLimit() {
        return wholeBodyLimit;
    }
}
