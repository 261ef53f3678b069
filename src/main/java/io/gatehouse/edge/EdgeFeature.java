package io.gatehouse.edge;

import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.RouteConfig;
import io.gatehouse.pipeline.Exchange;
import io.gatehouse.pipeline.FilterFactory;
import io.gatehouse.pipeline.FilterSet;
import io.gatehouse.pipeline.GatewayFilter;
import io.gatehouse.pipeline.LocalReply;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import jakarta.inject.Singleton;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Who may use the gateway and what a request may look like, before any other work: {@code server.ip-rules} in the
 * global stage (ahead of global rate limits and authentication), and each route's {@code ip-rules} and
 * {@code limits} first in its chain. Refusals are the contract's JSON errors: 403, 413, 414, 415, 431.
 */
@Singleton
public class EdgeFeature implements FilterFactory<EdgeFeature.Filters> {

    @Override
    public int order() {
        return ORDER_EDGE;
    }

    @Override
    public Filters build(GatehouseConfig config, Filters previous) {
        IpRules global = IpRules.of(config.server().ipRules());
        Map<String, GatewayFilter> routes = new java.util.HashMap<>();
        for (RouteConfig route : config.routes()) {
            EdgeConfigExtension.RouteEdge edge = EdgeConfigExtension.of(route);
            if (edge != null) {
                routes.put(route.id(), new RouteEdgeFilter(IpRules.of(edge.ipRules()), edge));
            }
        }
        return new Filters(global == null ? null : new GlobalIpFilter(global), routes);
    }

    /** The edge filters of one snapshot. */
    public record Filters(GatewayFilter global, Map<String, GatewayFilter> routes) implements FilterSet {
        @Override
        public GatewayFilter forRoute(RouteConfig route) {
            return routes.get(route.id());
        }
    }

    static LocalReply forbidden(String what) {
        return LocalReply.error(403, "forbidden", "your address may not use " + what);
    }

    /** {@code server.ip-rules}: every request, before anything else reads it. */
    static final class GlobalIpFilter implements GatewayFilter {
        private final IpRules rules;

        GlobalIpFilter(IpRules rules) {
            this.rules = rules;
        }

        @Override
        public Set<Phase> phases() {
            return EnumSet.of(Phase.REQUEST);
        }

        @Override
        public Future<LocalReply> onRequest(Exchange ex) {
            return rules.admits(ex.clientIp()) ? CONTINUE : Future.succeededFuture(forbidden("this gateway"));
        }
    }

    /** A route's {@code ip-rules} and {@code limits}: first in its chain. */
    static final class RouteEdgeFilter implements GatewayFilter {
        private final IpRules rules;
        private final EdgeConfigExtension.RouteEdge edge;

        RouteEdgeFilter(IpRules rules, EdgeConfigExtension.RouteEdge edge) {
            this.rules = rules;
            this.edge = edge;
        }

        @Override
        public Set<Phase> phases() {
            return EnumSet.of(Phase.REQUEST);
        }

        @Override
        public Future<LocalReply> onRequest(Exchange ex) {
            if (rules != null && !rules.admits(ex.clientIp())) {
                return Future.succeededFuture(forbidden("this route"));
            }
            if (!edge.hasLimits()) {
                return CONTINUE;
            }
            LocalReply refusal = limits(ex);
            return refusal == null ? CONTINUE : Future.succeededFuture(refusal);
        }

        private LocalReply limits(Exchange ex) {
            HttpServerRequest req = ex.request();
            if (edge.maxUrlLength() > 0 && req.uri().length() > edge.maxUrlLength()) {
                return LocalReply.error(414, "uri_too_long", "this route takes request targets of at most "
                        + edge.maxUrlLength() + " characters");
            }
            if (edge.maxHeaderBytes() > 0 && headerBytes(req.headers()) > edge.maxHeaderBytes()) {
                return LocalReply.error(431, "headers_too_large", "this route takes request headers of at most "
                        + edge.maxHeaderBytes() + " bytes");
            }
            if (ex.hasBody()) {
                if (!edge.contentTypes().isEmpty() && req.headers().getAll("Content-Type").size() > 1) {
                    // checked by the first, read by the upstream perhaps by the last: one is the only safe number
                    return LocalReply.error(400, "bad_request", "a request has one Content-Type");
                }
                if (!edge.contentTypes().isEmpty() && !accepted(req.getHeader("Content-Type"), edge.contentTypes())) {
                    return LocalReply.error(415, "unsupported_media_type", "this route takes request bodies of type "
                            + String.join(", ", edge.contentTypes()));
                }
                if (edge.maxBodyBytes() > 0) {
                    String length = req.getHeader("Content-Length");
                    if (length != null && parse(length) > edge.maxBodyBytes()) {
                        return LocalReply.error(413, "body_too_large", "this route takes request bodies of at most "
                                + edge.maxBodyBytes() + " bytes");
                    }
                    ex.limitBodyBytes(edge.maxBodyBytes()); // a chunked body is counted as it streams up
                }
            }
            return null;
        }

        /** The head's size as sent: each field's name, ": ", value and CRLF. */
        static long headerBytes(MultiMap headers) {
            long total = 0;
            for (Map.Entry<String, String> h : headers) {
                if (!h.getKey().startsWith(":")) { // HTTP/2's pseudo-headers: the request line, limited apart
                    total += h.getKey().length() + h.getValue().length() + 4;
                }
            }
            return total;
        }

        static boolean accepted(String contentType, List<String> types) {
            if (contentType == null) {
                return false;
            }
            int semicolon = contentType.indexOf(';');
            String media = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
            for (String type : types) {
                if (type.equals(media) || (type.endsWith("/*")
                        && media.startsWith(type.substring(0, type.length() - 1)))) {
                    return true;
                }
            }
            return false;
        }

        private static long parse(String length) {
            try {
                return Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                return Long.MAX_VALUE;
            }
        }
    }
}
