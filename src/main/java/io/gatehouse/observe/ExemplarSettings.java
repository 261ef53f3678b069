package io.gatehouse.observe;

import io.prometheus.client.exemplars.ExemplarSampler;
import java.util.Optional;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * No Prometheus exemplars. Quarkus installs its OpenTelemetry exemplar sampler whenever the extension is present,
 * and it asks OpenTelemetry for the current span on every recorded request; the gateway's spans are never made
 * current (they live on the exchange, not in a thread-bound context), so that lookup finds nothing and is pure
 * cost on the hot path, with tracing off or on. (Trace ids are in the access log and error bodies instead.)
 */
@Singleton
public class ExemplarSettings {

    @Produces
    @Singleton
    @Alternative
    @Priority(10)
    Optional<ExemplarSampler> exemplarSampler() {
        return Optional.empty();
    }
}
