package io.gatehouse.pipeline;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;

/**
 * What one attempt sends upstream, editable in the upstream-request phase: method, URI (path and query) and
 * headers, after the gateway's own header rules (hop-by-hop removed, X-Forwarded-*, client copies of identity
 * headers removed). A retry is a new attempt with a fresh request, so edits are made once per attempt.
 */
public final class UpstreamRequest {
    private final HttpClientRequest request;
    private final int attempt;
    int phase;

    public UpstreamRequest(HttpClientRequest request, int attempt) {
        this.request = request;
        this.attempt = attempt;
    }

    /** 1 for the first try, 2 for the first retry… */
    public int attempt() {
        return attempt;
    }

    public HttpMethod method() {
        return request.getMethod();
    }

    public UpstreamRequest method(HttpMethod method) {
        request.setMethod(method);
        return this;
    }

    /** Path and query as sent upstream. */
    public String uri() {
        return request.getURI();
    }

    public UpstreamRequest uri(String uri) {
        request.setURI(uri);
        return this;
    }

    public MultiMap headers() {
        return request.headers();
    }
}
