package io.gatehouse.pipeline;

import io.vertx.core.Future;

/**
 * Tells who presents a request's credentials where no route says how to check them: endpoints the gateway serves
 * itself in the global stage ({@code GET /ratelimit/status}). A CDI bean of the feature that owns credentials
 * (auth); other features reach it through this interface and never depend on how credentials are checked.
 */
public interface CallerIdentifier {
    /**
     * The caller of the request's API key or bearer token: completes with null when it presents neither, and fails
     * (with a message fit for a 401) when what it presents is not valid.
     */
    Future<Caller> identify(Exchange exchange);
}
