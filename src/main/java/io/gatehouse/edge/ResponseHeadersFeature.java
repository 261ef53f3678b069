package io.gatehouse.edge;

import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.RouteConfig;
import io.gatehouse.pipeline.CompiledRoute;
import io.gatehouse.pipeline.Exchange;
import io.gatehouse.pipeline.FilterFactory;
import io.gatehouse.pipeline.FilterSet;
import io.gatehouse.pipeline.GatewayFilter;
import io.vertx.core.Future;
import jakarta.inject.Singleton;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The head of every answer, in the response phase: the CORS fields of actual answers, {@code response-headers} and the
 * security preset, on proxied answers, filters' local replies (401, 403, 429, cache hits) and the gateway's own
 * errors (404, 405, 400, 502, 503, 504) alike.
 *
 * <p>Which filter does it depends on the config, so that a route without any of it pays nothing. When the
 * {@code server} section sets any of it, one filter in the global stage does it for every answer, with the route's
 * compiled settings taken from an array by the route's index (answers no route made get the server's). When only
 * routes set it, each such route gets a filter first in its own chain (so that it is entered before any of the
 * route's filters can answer), and every other route's chain has no response-phase filter from here at all.
 */
@Singleton
public class ResponseHeadersFeature implements FilterFactory<ResponseHeadersFeature.Filters> {

    @Override
    public int order() {
        return ORDER_RESPONSE_HEADERS;
    }

    @Override
    public Filters build(GatehouseConfig config, Filters previous) {
        CorsConfig serverCors = CorsConfigExtension.server(config);
        ResponseHeadersConfig serverHeaders = ResponseHeadersConfigExtension.server(config);
        List<RouteConfig> routes = config.routes();
        ResponseHeaders[] byRoute = new ResponseHeaders[routes.size()];
        for (int i = 0; i < byRoute.length; i++) {
            RouteConfig route = routes.get(i);
            CorsConfig cors = CorsConfigExtension.effective(route, serverCors);
            byRoute[i] = ResponseHeaders.of(serverHeaders, ResponseHeadersConfigExtension.of(route),
                    cors == null ? null : Cors.of(cors, route.methods()));
        }
        ResponseHeaders unrouted = ResponseHeaders.of(serverHeaders, null,
                serverCors == null ? null : Cors.of(serverCors, Set.of()));
        if (unrouted != null) {
            return new Filters(new EveryAnswer(unrouted, byRoute), Map.of());
        }
        Map<String, GatewayFilter> filters = new HashMap<>();
        for (int i = 0; i < byRoute.length; i++) {
            if (byRoute[i] != null) {
                filters.put(routes.get(i).id(), new RouteAnswers(byRoute[i]));
            }
        }
        return new Filters(null, Map.copyOf(filters));
    }

    /** One snapshot's filters: a global one, or one per route that has settings. */
    public record Filters(GatewayFilter global, Map<String, GatewayFilter> routes) implements FilterSet {
        @Override
        public GatewayFilter forRoute(RouteConfig route) {
            return routes.get(route.id());
        }
    }

    /** The server sets something: every answer, each by its route's settings. */
    static final class EveryAnswer implements GatewayFilter {
        private final ResponseHeaders unrouted;
        /** By {@link CompiledRoute#index()}; null for a route with nothing to do. */
        private final ResponseHeaders[] byRoute;

        EveryAnswer(ResponseHeaders unrouted, ResponseHeaders[] byRoute) {
            this.unrouted = unrouted;
            this.byRoute = byRoute;
        }

        @Override
        public Set<Phase> phases() {
            return EnumSet.of(Phase.RESPONSE);
        }

        @Override
        public Future<Void> onResponse(Exchange ex) {
            CompiledRoute route = ex.route();
            ResponseHeaders headers = route == null ? unrouted : byRoute[route.index()];
            if (headers != null) {
                headers.apply(ex);
            }
            return DONE;
        }
    }

    /** Only routes set something: first in such a route's chain. */
    static final class RouteAnswers implements GatewayFilter {
        private final ResponseHeaders headers;

        RouteAnswers(ResponseHeaders headers) {
            this.headers = headers;
        }

        @Override
        public Set<Phase> phases() {
            return EnumSet.of(Phase.RESPONSE);
        }

        @Override
        public Future<Void> onResponse(Exchange ex) {
            headers.apply(ex);
            return DONE;
        }
    }
}
