package io.gatehouse.pipeline;

import io.gatehouse.routing.RequestPath;
import io.gatehouse.routing.RouteMatch;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Singleton;
import jakarta.inject.Inject;
import io.quarkus.runtime.configuration.MemorySize;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.Locale;

/**
 * The catch-all route of the traffic port's router ({@link TrafficServer}). A plain Vert.x route, not a
 * {@code @Route} method: those always get a body handler that reads the whole body into memory first.
 * Each request: route it, run its route's filter chain, end with the proxy; metrics and the access log wrap it.
 */
@Singleton
public class GatewayHandler implements Handler<RoutingContext> {

    private final GatewayState state;
    private final TrafficDrain drain;
    /** The chain's continuations, made once: nothing is allocated per request to go from one stage to the next. */
    private final Handler<Exchange> routeStage = this::route;
    private final Handler<Exchange> proxyStage;
    /** The end of a preflight's chain when it was routed by the method it asks about and no filter answered it. */
    private final Handler<Exchange> unansweredPreflight = this::methodNotAllowed;
    private final Handler<Exchange> drained;

    private final long maxBodyBytes;

    /** Null while tracing is off: then nothing per request. */
    private final RequestTracer tracer;

    @Inject
    public GatewayHandler(GatewayState state, Forwarder proxy, TrafficDrain drain,
                          @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10M") MemorySize maxBody,
                          jakarta.enterprise.inject.Instance<RequestTracer> tracers) {
        this.tracer = RequestTracer.active(tracers);
        this.state = state;
        this.drain = drain;
        this.proxyStage = proxy::forward;
        this.drained = ex -> drain.ended(ex.request()); // a shutdown waits for this exchange until here
        this.maxBodyBytes = maxBody.asLongValue();
    }

    /**
     * The declared body length over the global cap. (The catch-all runs ahead of Quarkus' own handlers, which
     * would otherwise check this.) A chunked body is not counted yet: per-route limits will stream-count it.
     */
    private boolean tooLarge(HttpServerRequest request) {
        String length = request.getHeader("Content-Length");
        if (length == null) {
            return false;
        }
        try {
            return Long.parseLong(length.trim()) > maxBodyBytes;
        } catch (NumberFormatException e) {
            return true;
        }
    }


    @Override
    public void handle(RoutingContext rc) {
        HttpServerRequest request = rc.request();
        long start = System.nanoTime();
        GatewaySnapshot snapshot = GatewaySnapshot.enterLive(state);
        RequestPath requestPath = RequestPath.of(request.path());
        Exchange ex = new Exchange(request, snapshot, requestPath.path() == null ? request.path() : requestPath.path(), start);
        ex.requestPath(requestPath);
        if (tracer != null) {
            tracer.start(ex);
        }
        if (ex.hasBody()) {
            // Hold the body until the proxy streams it (or an early answer discards it).
            request.pause();
            // Until the proxy pipes the body (and takes this handler over), a body whose framing breaks (a chunk
            // size that is not hex) is answered here: Vert.x closes the connection right after telling us.
            request.exceptionHandler(err -> {
                if (Exchange.isFramingError(err)) {
                    ex.respondBadFraming();
                }
            });
        }
        ex.onFinish(drained);
        drain.started(request);
        // The response's own end handler: this server and router are Gatehouse's, nothing else sets it (and
        // vertx-web's addEndHandler list costs a little on every request).
        request.response().endHandler(v -> ex.finish());
        if (ex.hasBody() && !request.isEnded() && StrictRequestDecoder.bodyFailed(request)) {
            ex.respondBadFraming(); // pipelined behind another request: Vert.x dropped the error while it waited
            return;
        }
        if (snapshot == null) {
            ex.respondError(503, "not_ready", "the gateway has no configuration loaded yet");
            return;
        }
        // What no route may serve is refused before any filter reads the request (its answer still passes the
        // global stage's response and completion phases).
        RequestChecks.Refusal refusal = RequestChecks.refusal(request, ex.authority());
        if (refusal != null) {
            ex.refuse(LocalReply.error(refusal.status(), refusal.code(), refusal.message()));
            return;
        }
        if (requestPath.refusal() != null) {
            ex.refuse(LocalReply.error(400, "bad_path", requestPath.refusal()));
            return;
        }
        if (ex.hasBody() && tooLarge(request)) {
            ex.refuse(LocalReply.error(413, "body_too_large", "the request body is larger than " + maxBodyBytes + " bytes"));
            return;
        }
        FilterChain.request(ex, routeStage);
    }

    /** After the global stage: route, then the route's filters, then the proxy. */
    private void route(Exchange ex) {
        if (ex.isPreflight() && routePreflight(ex)) {
            return;
        }
        HttpServerRequest request = ex.request();
        RouteMatch<CompiledRoute> match = match(ex, request.method().name());
        switch (match.kind()) {
            case FOUND -> enter(ex, match, proxyStage);
            case METHOD_NOT_ALLOWED -> methodNotAllowed(ex, match);
            default -> ex.respondError(404, "no_route", "no route for " + request.method().name() + " " + ex.path());
        }
    }

    private static RouteMatch<CompiledRoute> match(Exchange ex, String method) {
        return ex.snapshot().routes().match(method, host(ex.authority()), ex.requestPath().matchPath(),
                ex.request()::getHeader);
    }

    /** Into a route found for the request: its own path checks, its filters, then {@code next}. */
    private static void enter(Exchange ex, RouteMatch<CompiledRoute> match, Handler<Exchange> next) {
        CompiledRoute route = match.value();
        int refused = ex.requestPath().flags() & ~route.config().allowInPath();
        if (refused != 0) {
            ex.respondError(400, "bad_path", (refused & RequestPath.ENCODED_SLASH) != 0
                    ? "the path holds an encoded '/' or '\\', which upstreams read in different ways"
                    : "the path holds ';' parameters, which upstreams read in different ways");
            return;
        }
        ex.route(route, match.params(), match.rest());
        FilterChain.request(ex, next);
    }

    /**
     * A CORS preflight is judged by the route the request it asks about would reach (the method in
     * {@code Access-Control-Request-Method}), never by another: routes fall back to a less specific one for a method
     * the specific one does not take, so the OPTIONS itself may match a catch-all whose policy says nothing about the
     * route that would serve the real request (a strict {@code /api/admin/**} under a permissive {@code /api/**}).
     * <ul>
     * <li>That route answers preflights (a filter says so): the preflight goes through its filters, and gets a 405
     * should none answer after all (it is never forwarded: the route may not take OPTIONS).</li>
     * <li>It does not, and the OPTIONS matches another route that does: 405, the preflight refused.</li>
     * <li>Otherwise (no policy on either side, or no route for the method asked about): an ordinary OPTIONS.</li>
     * </ul>
     *
     * @return whether the preflight was answered or routed here (false: route it as any OPTIONS)
     */
    private boolean routePreflight(Exchange ex) {
        RouteMatch<CompiledRoute> asked = match(ex, ex.request().getHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD));
        boolean askedFound = asked.kind() == RouteMatch.Kind.FOUND;
        if (askedFound && answersPreflights(asked.value())) {
            enter(ex, asked, unansweredPreflight);
            return true;
        }
        if (askedFound) {
            RouteMatch<CompiledRoute> options = match(ex, "OPTIONS");
            if (options.kind() == RouteMatch.Kind.FOUND && options.value() != asked.value()
                    && answersPreflights(options.value())) {
                ex.reply(LocalReply.error(405, "method_not_allowed", "the route for " + ex.request().getHeader(
                        HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD) + " " + ex.path() + " answers no CORS preflight"));
                return true;
            }
        }
        return false;
    }

    private static boolean answersPreflights(CompiledRoute route) {
        for (GatewayFilter filter : route.filters()) {
            if (filter.answersPreflights()) {
                return true;
            }
        }
        return false;
    }

    /** A preflight routed by the method it asks about went through its route's filters unanswered: 405 after all. */
    private void methodNotAllowed(Exchange ex) {
        methodNotAllowed(ex, match(ex, ex.request().method().name()));
    }

    private static void methodNotAllowed(Exchange ex, RouteMatch<CompiledRoute> match) {
        ex.reply(LocalReply.error(405, "method_not_allowed", "method " + ex.request().method().name()
                + " is not allowed here").header("Allow", String.join(", ", match.allowed())));
    }

    /**
     * The host the request is for, as sent: for an absolute-form target the URI's authority (RFC 9112 §3.2.2: the
     * Host header is then ignored), else the Host header; on HTTP/2 its :authority (Vert.x takes the Host header when
     * :authority is absent); null when there is none. Read once per request, through {@link Exchange#authority()}.
     */
    static String rawHost(HttpServerRequest request) {
        if (request.version() == io.vertx.core.http.HttpVersion.HTTP_2 && request.authority() != null) {
            io.vertx.core.net.HostAndPort authority = request.authority();
            return authority.port() >= 0 ? authority.host() + ":" + authority.port() : authority.host();
        }
        String uri = request.uri();
        if (!uri.isEmpty() && uri.charAt(0) != '/') {
            int scheme = uri.indexOf("://");
            if (scheme > 0) {
                int start = scheme + 3;
                int end = start;
                while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
                    end++;
                }
                return uri.substring(start, end);
            }
        }
        return request.getHeader("Host");
    }

    /**
     * The host for route matching: without port and without a trailing dot ({@code api.example.com.} is the same
     * name), lower case; null when absent.
     */
    static String host(String host) {
        if (host == null) {
            return null;
        }
        int end = host.length();
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            end = close > 0 ? close + 1 : end;
        } else {
            int colon = host.indexOf(':');
            if (colon >= 0) {
                end = colon;
            }
            if (end > 1 && host.charAt(end - 1) == '.') {
                end--;
            }
        }
        String name = host.substring(0, end);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                return name.toLowerCase(Locale.ROOT);
            }
        }
        return name;
    }
}
