package io.gatehouse.pipeline;

import io.gatehouse.observe.AccessLog;
import io.gatehouse.observe.RouteMetrics;
import io.gatehouse.proxy.UpstreamProxy;
import io.gatehouse.routing.RequestPath;
import io.gatehouse.routing.RouteMatch;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Singleton;
import jakarta.inject.Inject;
import io.quarkus.runtime.configuration.MemorySize;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.util.Locale;

/**
 * The catch-all route of the traffic port's router ({@link TrafficServer}). A plain Vert.x route, not a
 * {@code @Route} method: those always get a body handler that reads the whole body into memory first.
 * Each request: route it, run its route's filter chain, end with the proxy; metrics and the access log wrap it.
 */
@Singleton
public class GatewayHandler implements Handler<RoutingContext> {
    private static final Logger LOG = Logger.getLogger(GatewayHandler.class);

    private final GatewayState state;
    private final UpstreamProxy proxy;
    private final AccessLog accessLog;
    private final TrafficDrain drain;
    private final Handler<Exchange> finisher = this::finished;

    private final long maxBodyBytes;

    @Inject
    public GatewayHandler(GatewayState state, UpstreamProxy proxy, AccessLog accessLog, TrafficDrain drain,
                          @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10M") MemorySize maxBody) {
        this.state = state;
        this.proxy = proxy;
        this.accessLog = accessLog;
        this.drain = drain;
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
        GatewaySnapshot snapshot = state.current();
        RequestPath requestPath = RequestPath.of(request.path());
        Exchange ex = new Exchange(request, snapshot, requestPath.path() == null ? request.path() : requestPath.path(), start);
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
        ex.onFinish(finisher);
        drain.started(request);
        // The response's own end handler: this server and router are Gatehouse's, nothing else sets it (and
        // vertx-web's addEndHandler list costs a little on every request).
        request.response().endHandler(v -> ex.finish());
        if (snapshot == null) {
            ex.respondError(503, "not_ready", "the gateway has no configuration loaded yet");
            return;
        }
        RequestChecks.Refusal refusal = RequestChecks.refusal(request, ex.authority());
        if (refusal != null) {
            snapshot.unmatchedMetrics().started();
            ex.respondError(refusal.status(), refusal.code(), refusal.message());
            return;
        }
        if (requestPath.refusal() != null) {
            snapshot.unmatchedMetrics().started();
            ex.respondError(400, "bad_path", requestPath.refusal());
            return;
        }
        if (ex.hasBody() && tooLarge(request)) {
            snapshot.unmatchedMetrics().started();
            ex.respondError(413, "body_too_large", "the request body is larger than " + maxBodyBytes + " bytes");
            return;
        }
        RouteMatch<CompiledRoute> match = snapshot.routes().match(request.method().name(), host(ex.authority()),
                requestPath.matchPath(), request::getHeader);
        switch (match.kind()) {
            case FOUND -> {
                CompiledRoute route = match.value();
                int refused = requestPath.flags() & ~route.config().allowInPath();
                if (refused != 0) {
                    snapshot.unmatchedMetrics().started();
                    ex.respondError(400, "bad_path", (refused & RequestPath.ENCODED_SLASH) != 0
                            ? "the path holds an encoded '/' or '\\', which upstreams read in different ways"
                            : "the path holds ';' parameters, which upstreams read in different ways");
                    return;
                }
                ex.route(route, match.params(), match.rest());
                route.metrics().started();
                proceed(ex);
            }
            case METHOD_NOT_ALLOWED -> {
                snapshot.unmatchedMetrics().started();
                ex.respondError(405, "method_not_allowed", "method " + request.method().name() + " is not allowed here",
                        "Allow", String.join(", ", match.allowed()));
            }
            default -> {
                snapshot.unmatchedMetrics().started();
                ex.respondError(404, "no_route", "no route for " + request.method().name() + " " + ex.path());
            }
        }
    }

    /** Runs the request halves from where the chain stands; the proxy when all have passed. */
    void proceed(Exchange ex) {
        GatewayFilter[] filters = ex.route().filters();
        while (ex.filtersRun() < filters.length) {
            GatewayFilter filter = filters[ex.filtersRun()];
            ex.filterRan();
            Future<Void> step;
            try {
                step = filter.onRequest(ex);
            } catch (RuntimeException e) {
                step = Future.failedFuture(e);
            }
            if (!step.isComplete()) {
                step.onComplete(ar -> afterFilter(ex, ar.failed() ? ar.cause() : null, true));
                return;
            }
            if (!afterFilter(ex, step.failed() ? step.cause() : null, false)) {
                return;
            }
        }
        proxy.forward(ex);
    }

    /** @return whether the chain goes on (synchronous case); resumes it itself when {@code resume} */
    private boolean afterFilter(Exchange ex, Throwable failure, boolean resume) {
        if (failure != null) {
            LOG.errorf(failure, "filter failed on request %s", ex.requestId());
            ex.respondError(500, "internal_error", "the gateway failed to handle the request");
            return false;
        }
        if (ex.response().ended() || ex.response().headWritten() || ex.isFinished()) {
            return false;
        }
        if (resume) {
            proceed(ex);
        }
        return true;
    }

    private void finished(Exchange ex) {
        try {
            long duration = System.nanoTime() - ex.startNanos();
            // 499 (nginx's "client closed request") when the client left first; 502 when the upstream broke off.
            int status = ex.brokeOff() ? 502 : ex.response().ended() ? ex.response().getStatusCode() : 499;
            CompiledRoute route = ex.route();
            RouteMetrics metrics = route != null ? route.metrics()
                    : ex.snapshot() != null ? ex.snapshot().unmatchedMetrics() : null;
            if (metrics != null) {
                metrics.finished(status, duration, ex.upstreamNanos());
            }
            accessLog.log(ex, metrics == null ? null : metrics.routeId(), status, duration);
        } finally {
            drain.ended(ex.request()); // whatever happened above, a shutdown must not wait for this exchange
        }
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
