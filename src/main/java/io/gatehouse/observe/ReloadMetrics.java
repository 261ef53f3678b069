package io.gatehouse.observe;

import io.gatehouse.pipeline.ReloadRefused;
import io.gatehouse.pipeline.SnapshotInstalled;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * Config loads, for alerts: {@code gatehouse_config_reloads_total{outcome="success|failure"}} (the first load
 * counts as a success), {@code gatehouse_config_last_reload_successful} (0 while the latest changed file was refused
 * and the previous config keeps serving) and {@code gatehouse_config_last_reload_success_timestamp_seconds}, as
 * Prometheus names its own.
 */
@Singleton
public class ReloadMetrics {
    private final Counter succeeded;
    private final Counter failed;
    private volatile boolean lastSucceeded = true;
    private volatile long lastSuccessMillis;

    @Inject
    public ReloadMetrics(MeterRegistry global, Instance<PrometheusMeterRegistry> prometheus) {
        MeterRegistry registry = prometheus.isResolvable() ? prometheus.get() : global;
        String description = "Config loads by outcome: success (installed) or failure (refused, the running config stays)";
        succeeded = Counter.builder("gatehouse.config.reloads").description(description).tag("outcome", "success")
                .register(registry);
        failed = Counter.builder("gatehouse.config.reloads").description(description).tag("outcome", "failure")
                .register(registry);
        Gauge.builder("gatehouse.config.last.reload.successful", this, m -> m.lastSucceeded ? 1 : 0)
                .description("1 when the latest config load was installed, 0 while the latest one was refused")
                .register(registry);
        Gauge.builder("gatehouse.config.last.reload.success.timestamp.seconds", this, m -> m.lastSuccessMillis / 1000.0)
                .description("When a config was last installed (Unix time in seconds)")
                .register(registry);
    }

    void installed(@Observes SnapshotInstalled event) {
        succeeded.increment();
        lastSucceeded = true;
        lastSuccessMillis = System.currentTimeMillis();
    }

    void refused(@Observes ReloadRefused event) {
        failed.increment();
        lastSucceeded = false;
    }
}
