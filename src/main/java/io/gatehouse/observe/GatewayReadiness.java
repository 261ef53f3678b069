package io.gatehouse.observe;

import io.gatehouse.pipeline.GatewaySnapshot;
import io.gatehouse.pipeline.LiveSnapshot;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once a valid config is loaded. A refused reload does not make the gateway unready (the previous config
 * keeps serving); it shows here as {@code lastReloadError}.
 */
@Readiness
@ApplicationScoped
public class GatewayReadiness implements HealthCheck {
    @Inject
    LiveSnapshot state;
    /** What each feature adds about its own state. */
    @Inject
    @jakarta.enterprise.inject.Any
    jakarta.enterprise.inject.Instance<io.gatehouse.pipeline.ReadinessDetails> details;

    @Override
    public HealthCheckResponse call() {
        GatewaySnapshot snapshot = state.current();
        HealthCheckResponseBuilder builder = HealthCheckResponse.named("gatehouse-config");
        if (snapshot == null) {
            return builder.down().withData("reason", "no config loaded yet").build();
        }
        builder.up()
                .withData("source", snapshot.source())
                .withData("version", snapshot.version())
                .withData("loadedAt", snapshot.loadedAt().toString())
                .withData("routes", snapshot.config().routes().size())
                .withData("upstreams", snapshot.config().upstreams().size());
        // Upstream trouble shows here but never makes the gateway unready (DESIGN.md): it can still serve the rest.
        snapshot.upstreams().values().forEach(u -> builder.withData("upstream." + u.name(),
                u.availableTargets() + "/" + u.targets().size() + " targets available"));
        for (io.gatehouse.pipeline.ReadinessDetails feature : details) {
            try {
                feature.describe(snapshot, (key, value) -> builder.withData(key, String.valueOf(value)));
            } catch (RuntimeException e) {
                builder.withData(feature.getClass().getSimpleName(), "failed to report: " + e);
            }
        }
        String error = state.lastError();
        if (error != null) {
            builder.withData("lastReloadError", error);
        }
        return builder.build();
    }
}
