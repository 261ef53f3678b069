package io.gatehouse.observe;

import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.RouteConfig;
import io.gatehouse.pipeline.CompiledRoute;
import io.gatehouse.pipeline.Exchange;
import io.gatehouse.pipeline.FilterFactory;
import io.gatehouse.pipeline.FilterSet;
import io.gatehouse.pipeline.GatewayFilter;
import io.gatehouse.pipeline.LocalReply;
import io.vertx.core.Future;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Request metrics and the access log (each route's {@code access-log} sampling), as the outermost filters: one in the global stage, whose completion phase
 * records every request (routed, refused before routing, or answered by a global filter under its own label), and
 * one first in each route's chain, which counts the route's requests in flight.
 */
@Singleton
public class TrafficObserver implements FilterFactory<TrafficObserver.Filters> {
    private final GatewayMetrics metrics;
    private final AccessLog accessLog;

    @Inject
    public TrafficObserver(GatewayMetrics metrics, AccessLog accessLog) {
        this.metrics = metrics;
        this.accessLog = accessLog;
    }

    @Override
    public int order() {
        return ORDER_OBSERVE;
    }

    @Override
    public Filters build(GatehouseConfig config, Filters previous) {
        metrics.retainOnly(config.routes().stream().map(RouteConfig::id).collect(Collectors.toSet()));
        Map<String, InFlight> routes = new HashMap<>();
        // by the route's position in the file, which is its CompiledRoute.index(): no map lookup per request
        RouteMetrics[] byIndex = new RouteMetrics[config.routes().size()];
        AccessLogConfigExtension.Sampling[] sampling = new AccessLogConfigExtension.Sampling[byIndex.length];
        for (int i = 0; i < byIndex.length; i++) {
            RouteConfig route = config.routes().get(i);
            byIndex[i] = metrics.forRoute(route.id());
            sampling[i] = AccessLogConfigExtension.of(route);
            routes.put(route.id(), new InFlight(byIndex[i]));
        }
        return new Filters(new Recorder(metrics, accessLog, metrics.unmatched(), byIndex, sampling), routes);
    }

    /** The observer of one snapshot. */
    public record Filters(Recorder recorder, Map<String, InFlight> routes) implements FilterSet {
        @Override
        public GatewayFilter global() {
            return recorder;
        }

        @Override
        public GatewayFilter forRoute(RouteConfig route) {
            return routes.get(route.id());
        }
    }

    /** First in a route's chain: the route's in-flight gauge. */
    static final class InFlight implements GatewayFilter {
        final RouteMetrics metrics;

        InFlight(RouteMetrics metrics) {
            this.metrics = metrics;
        }

        @Override
        public java.util.Set<Phase> phases() {
            return java.util.EnumSet.of(Phase.REQUEST);
        }

        @Override
        public Future<LocalReply> onRequest(Exchange exchange) {
            metrics.started();
            return CONTINUE;
        }
    }

    /** The global stage's first filter: records each request once it is over. */
    static final class Recorder implements GatewayFilter {
        private final GatewayMetrics metrics;
        private final AccessLog accessLog;
        private final RouteMetrics unmatched;
        private final RouteMetrics[] byIndex;
        private final AccessLogConfigExtension.Sampling[] sampling;

        Recorder(GatewayMetrics metrics, AccessLog accessLog, RouteMetrics unmatched, RouteMetrics[] byIndex,
                 AccessLogConfigExtension.Sampling[] sampling) {
            this.metrics = metrics;
            this.accessLog = accessLog;
            this.unmatched = unmatched;
            this.byIndex = byIndex;
            this.sampling = sampling;
        }

        @Override
        public java.util.Set<Phase> phases() {
            return java.util.EnumSet.of(Phase.COMPLETE);
        }

        @Override
        public void onComplete(Exchange ex) {
            long duration = System.nanoTime() - ex.startNanos();
            int status = ex.finalStatus();
            CompiledRoute route = ex.route();
            RouteMetrics routeMetrics;
            boolean started = false;
            if (route != null) {
                routeMetrics = byIndex[route.index()];
                started = true;
            } else if (ex.label() != null) {
                routeMetrics = metrics.forLabel(ex.label()); // a global filter's own answer (auth-token)
            } else {
                routeMetrics = unmatched;
            }
            if (ex.malformed()) {
                routeMetrics.refused(status);
            } else {
                routeMetrics.finished(status, duration, ex.upstreamNanos(), started);
            }
            // requests no route took (refused before routing, not found) are always logged
            AccessLogConfigExtension.Sampling sample = route == null ? AccessLogConfigExtension.Sampling.ALL
                    : sampling[route.index()];
            if (sample == AccessLogConfigExtension.Sampling.ALL
                    || sample.logs(status, java.util.concurrent.ThreadLocalRandom.current().nextDouble())) {
                accessLog.log(ex, routeMetrics.routeId(), status, duration);
            }
        }
    }
}
