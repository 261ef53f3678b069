package io.gatehouse.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Per-route request metrics, tagged by route id only (never the raw path, so clients cannot grow the label
 * set). Requests no route matched share the route label {@value #UNMATCHED}. Meters of routes removed by a
 * reload are removed from the registry.
 */
@ApplicationScoped
public class GatewayMetrics {
    public static final String UNMATCHED = "(unmatched)";
    static final String[] STATUS_CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    /** Fixed buckets rather than Micrometer's ~70 percentile buckets: cheaper to record and to scrape. */
    static final Duration[] BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(30)};

    private final MeterRegistry registry;
    private final Map<String, RouteMetrics> byRoute = new HashMap<>();
    private final Set<String> labels = new java.util.HashSet<>();

    /**
     * Meters go straight into the Prometheus registry when there is one (what /q/metrics scrapes), not through
     * Quarkus' composite registry, which adds a dispatch per recording.
     */
    @Inject
    public GatewayMetrics(MeterRegistry global, Instance<PrometheusMeterRegistry> prometheus,
                          io.gatehouse.pipeline.ConnectionLimits connections) {
        this.registry = prometheus.isResolvable() ? prometheus.get() : global;
        io.micrometer.core.instrument.FunctionCounter.builder("gatehouse.connections.refused", connections,
                        io.gatehouse.pipeline.ConnectionLimits::refused)
                .description("Connections closed as they opened: over server.max-connections-per-ip")
                .tag("reason", "per-ip-limit")
                .register(registry);
    }

    /** The meters of a route, shared across reloads while the route id stays. */
    public synchronized RouteMetrics forRoute(String routeId) {
        return byRoute.computeIfAbsent(routeId, this::create);
    }

    /**
     * The meters of a label that is not a route: a global filter's own endpoint ({@code auth-token}). Kept across
     * reloads; the set of such labels is fixed by the code, not by clients.
     */
    public synchronized RouteMetrics forLabel(String label) {
        labels.add(label);
        return byRoute.computeIfAbsent(label, this::create);
    }

    public RouteMetrics unmatched() {
        return forRoute(UNMATCHED);
    }

    /**
     * Per-target gauges of the upstreams of a live snapshot: available (1/0) and in-flight requests. Meters of
     * targets that are gone are removed.
     */
    void installed(@jakarta.enterprise.event.Observes io.gatehouse.pipeline.SnapshotInstalled event) {
        targets(event.snapshot().upstreams().values());
    }

    public synchronized void targets(java.util.Collection<io.gatehouse.upstream.Upstream> upstreams) {
        java.util.Set<String> live = new java.util.HashSet<>();
        for (io.gatehouse.upstream.Upstream u : upstreams) {
            for (io.gatehouse.upstream.Target t : u.targets()) {
                String key = u.name() + "|" + t.url();
                live.add(key);
                io.gatehouse.upstream.TargetState state = t.state();
                if (state.meters != null) {
                    continue; // registered when this target state first appeared; states outlive reloads
                }
                state.meters = new io.gatehouse.upstream.TargetMeters(
                        Counter.builder("gatehouse.upstream.requests").description("Attempts sent to the target, by outcome")
                                .tags("upstream", u.name(), "target", t.url(), "outcome", "success").register(registry),
                        Counter.builder("gatehouse.upstream.requests").description("Attempts sent to the target, by outcome")
                                .tags("upstream", u.name(), "target", t.url(), "outcome", "failure").register(registry),
                        Timer.builder("gatehouse.upstream.target.duration")
                                .description("Time from sending an attempt to the target to its response head")
                                .tags("upstream", u.name(), "target", t.url())
                                .serviceLevelObjectives(BUCKETS)
                                .distributionStatisticBufferLength(1)
                                .register(registry));
                Gauge.builder("gatehouse.upstream.target.available", state, s -> s.available() ? 1 : 0)
                        .description("1 while balancers may choose the target (healthy, not ejected, breaker not open, not drained)")
                        .tags("upstream", u.name(), "target", t.url())
                        .strongReference(true)
                        .register(registry);
                Gauge.builder("gatehouse.upstream.target.drained", state, s -> s.drained() ? 1 : 0)
                        .description("1 while an operator keeps the target out of rotation (POST /admin/.../drain)")
                        .tags("upstream", u.name(), "target", t.url())
                        .strongReference(true)
                        .register(registry);
                Gauge.builder("gatehouse.upstream.target.circuit.open", state, s -> s.breakerOpen() ? 1 : 0)
                        .description("1 while the target's circuit breaker is open")
                        .tags("upstream", u.name(), "target", t.url())
                        .strongReference(true)
                        .register(registry);
                Gauge.builder("gatehouse.upstream.target.in.flight", state, s -> s.inFlightCount())
                        .description("Requests in flight to the target")
                        .tags("upstream", u.name(), "target", t.url())
                        .strongReference(true)
                        .register(registry);
            }
        }
        registry.getMeters().stream()
                .filter(m -> m.getId().getName().startsWith("gatehouse.upstream.") && m.getId().getTag("target") != null)
                .filter(m -> !live.contains(m.getId().getTag("upstream") + "|" + m.getId().getTag("target")))
                .map(Meter::getId)
                .toList()
                .forEach(registry::remove);
    }

    /** Drops the meters of routes that no longer exist. */
    public synchronized void retainOnly(Set<String> routeIds) {
        byRoute.entrySet().removeIf(e -> {
            if (e.getKey().equals(UNMATCHED) || routeIds.contains(e.getKey()) || labels.contains(e.getKey())) {
                return false;
            }
            registry.getMeters().stream()
                    .filter(m -> e.getKey().equals(m.getId().getTag("route")) && m.getId().getName().startsWith("gatehouse."))
                    .map(Meter::getId)
                    .toList()
                    .forEach(registry::remove);
            return true;
        });
    }

    private RouteMetrics create(String routeId) {
        Tag route = Tag.of("route", routeId);
        Counter[] counters = new Counter[STATUS_CLASSES.length];
        for (int i = 0; i < counters.length; i++) {
            counters[i] = Counter.builder("gatehouse.requests")
                    .description("Requests answered, by route and status class")
                    .tags("route", routeId, "status_class", STATUS_CLASSES[i])
                    .register(registry);
        }
        Timer duration = Timer.builder("gatehouse.request.duration")
                .description("Time from request arrival to the end of the response")
                .tags(java.util.List.of(route))
                .serviceLevelObjectives(BUCKETS)
                // Prometheus buckets are cumulative: one histogram, not Micrometer's default ring of three
                .distributionStatisticBufferLength(1)
                .register(registry);
        Timer upstream = Timer.builder("gatehouse.upstream.duration")
                .description("Time from sending a request upstream to its response head")
                .tags(java.util.List.of(route))
                .serviceLevelObjectives(BUCKETS)
                .distributionStatisticBufferLength(1)
                .register(registry);
        java.util.concurrent.atomic.LongAdder inFlight = new java.util.concurrent.atomic.LongAdder();
        Gauge.builder("gatehouse.requests.in.flight", inFlight, java.util.concurrent.atomic.LongAdder::sum)
                .description("Requests being handled now")
                .tags(java.util.List.of(route))
                .register(registry);
        return new RouteMetrics(routeId, counters, duration, upstream, inFlight);
    }
}
