package io.gatehouse.edge;

import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.RouteConfig;
import io.gatehouse.pipeline.Exchange;
import io.gatehouse.pipeline.FilterFactory;
import io.gatehouse.pipeline.FilterSet;
import io.gatehouse.pipeline.GatewayFilter;
import io.gatehouse.pipeline.LocalReply;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * CORS preflights, answered at the gateway: on each route with a policy (its own {@code cors}, or
 * {@code server.cors}), right after the edge's IP rules and before rate limits and authentication (browsers send
 * preflights without credentials), and never forwarded. The CORS fields of actual answers are
 * {@link ResponseHeadersFeature}'s, which sees every answer.
 */
@Singleton
public class CorsFeature implements FilterFactory<CorsFeature.Filters> {
    static final String METRIC = "gatehouse.cors.preflights";

    private final MeterRegistry registry;

    @Inject
    public CorsFeature(MeterRegistry global, Instance<PrometheusMeterRegistry> prometheus) {
        this(prometheus.isResolvable() ? prometheus.get() : global);
    }

    CorsFeature(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public int order() {
        return ORDER_CORS;
    }

    @Override
    public Filters build(GatehouseConfig config, Filters previous) {
        CorsConfig server = CorsConfigExtension.server(config);
        Map<String, GatewayFilter> routes = new HashMap<>();
        for (RouteConfig route : config.routes()) {
            CorsConfig policy = CorsConfigExtension.effective(route, server);
            if (policy != null) {
                routes.put(route.id(), new Preflights(Cors.of(policy, route.methods()), counter(route, "allowed"),
                        counter(route, "refused")));
            }
        }
        registry.getMeters().stream()
                .filter(m -> m.getId().getName().equals(METRIC) && !routes.containsKey(m.getId().getTag("route")))
                .map(Meter::getId)
                .toList()
                .forEach(registry::remove);
        return new Filters(Map.copyOf(routes));
    }

    private Counter counter(RouteConfig route, String outcome) {
        return Counter.builder(METRIC)
                .description("CORS preflights the gateway answered, by route: allowed, or refused (answered without "
                        + "the Access-Control-Allow-* fields)")
                .tags("route", route.id(), "outcome", outcome)
                .register(registry);
    }

    /** The preflight filters of one snapshot, by route id. */
    public record Filters(Map<String, GatewayFilter> routes) implements FilterSet {
        @Override
        public GatewayFilter forRoute(RouteConfig route) {
            return routes.get(route.id());
        }
    }

    /** A route's preflights: answered here, allowed or not; any other request goes on. */
    static final class Preflights implements GatewayFilter {
        private final Cors cors;
        private final Counter allowed;
        private final Counter refused;

        Preflights(Cors cors, Counter allowed, Counter refused) {
            this.cors = cors;
            this.allowed = allowed;
            this.refused = refused;
        }

        @Override
        public Set<Phase> phases() {
            return EnumSet.of(Phase.REQUEST);
        }

        @Override
        public boolean answersPreflights() {
            return true;
        }

        @Override
        public Future<LocalReply> onRequest(Exchange ex) {
            if (!ex.isPreflight()) {
                return CONTINUE;
            }
            HttpServerRequest request = ex.request();
            String origin = request.getHeader(HttpHeaders.ORIGIN);
            String method = request.getHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD);
            String asked = request.getHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_HEADERS);
            boolean ok = cors.allowsPreflight(origin, method, asked);
            (ok ? allowed : refused).increment();
            ex.logField("cors", ok ? "preflight" : "preflight_refused");
            Cors.answered(ex);
            return Future.succeededFuture(cors.preflight(ok, origin, method, asked));
        }
    }
}
