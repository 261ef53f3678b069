package io.gatehouse.pipeline;

/**
 * The end of every route's chain: sends the exchange upstream and answers the client (the proxy implements it).
 * An interface here so the pipeline does not depend on the proxy, which depends on the pipeline.
 */
public interface Forwarder {
    /** Called on the request's event loop once every request phase has passed. */
    void forward(Exchange exchange);
}
