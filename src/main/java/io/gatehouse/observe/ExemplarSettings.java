package io.gatehouse.observe;

import io.prometheus.client.exemplars.ExemplarSampler;
import io.quarkus.micrometer.runtime.export.exemplars.OpentelemetryExemplarSamplerProvider;
import java.util.Optional;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Prometheus exemplars (trace ids attached to histogram samples) only while tracing is on. Quarkus installs
 * its OpenTelemetry exemplar sampler whenever the extension is present, and it asks for the current span on
 * every recorded request; with tracing off (the default) that is pure cost on the hot path.
 */
@Singleton
public class ExemplarSettings {

    @Produces
    @Singleton
    @Alternative
    @Priority(10)
    Optional<ExemplarSampler> exemplarSampler(@ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "false") boolean tracingOff) {
        return tracingOff ? Optional.empty() : new OpentelemetryExemplarSamplerProvider().exemplarSampler();
    }
}
