package io.gatehouse.upstream;

/**
 * Picks the target of an upstream for one request. Implementations are built once per upstream per config
 * snapshot and are called concurrently from every event loop: they must be thread-safe and must not block.
 */
public interface Balancer {
    /**
     * @param hashKey the request's key for key-based balancers (null when the upstream has none)
     * @return the chosen target, or null when there is none to choose
     */
    Target pick(String hashKey);
}
