package io.gatehouse.pipeline;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

import java.util.Set;

/**
 * An endpoint a feature adds under {@code /admin/} on the management port (a CDI bean). The admin API serves it
 * behind the one admin credential ({@code admin.token-file}), so no endpoint checks credentials itself, and
 * answers 404 for all of them while no credential is configured.
 */
public interface AdminEndpoint {
    /** The path below {@code /admin/}: {@code routes}, {@code cache/purge}… */
    String path();

    /** The methods it answers (others get 405). */
    default Set<HttpMethod> methods() {
        return Set.of(HttpMethod.GET);
    }

    /**
     * Answers, on the management server's event loop: must not block (hand slow work to a worker). {@code snapshot}
     * is the live one (never null: the admin API answers 503 before the first config).
     */
    void handle(RoutingContext context, GatewaySnapshot snapshot);
}
