package io.gatehouse.proxy;

import io.gatehouse.pipeline.CompiledRoute;
import io.gatehouse.pipeline.Exchange;
import io.gatehouse.upstream.Target;
import io.gatehouse.upstream.Upstream;
import io.vertx.core.AsyncResult;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

/**
 * The end of every chain: sends the request to a target the upstream's balancer picks, over that upstream's
 * keep-alive pool, and streams both bodies through with back-pressure (Vert.x pipes: a slow reader pauses
 * the writer's source), so a body of any size passes in bounded memory.
 *
 * <p>{@code timeout} (route, else upstream) bounds the wait for the response head (getting a connection
 * included) and, after it, any pause in the response body ({@link UpstreamTimeouts}); {@code connect-timeout}
 * bounds opening a TCP connection to a target.
 */
@Singleton
public class UpstreamProxy {
    private static final Logger LOG = Logger.getLogger(UpstreamProxy.class);

    private final UpstreamTimeouts timeouts;
    private final long maxBodyBytes;

    @Inject
    public UpstreamProxy(Vertx vertx,
                         @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10M") MemorySize maxBody) {
        this.timeouts = new UpstreamTimeouts(vertx);
        this.maxBodyBytes = maxBody.asLongValue();
    }

    public void forward(Exchange ex) {
        CompiledRoute route = ex.route();
        Upstream upstream = route.upstream();
        Target target = upstream.balancer().pick(HashKeys.of(upstream.config().hashOn(), ex));
        if (target == null) {
            ex.respondError(503, "no_healthy_target", "no healthy target for upstream '" + upstream.name() + "'");
            return;
        }
        HttpServerRequest req = ex.request();
        RequestOptions options = new RequestOptions()
                .setMethod(req.method())
                .setHost(target.host())
                .setPort(target.port())
                .setSsl(target.ssl())
                .setURI(ex.upstreamUri())
                ;

        io.vertx.core.http.HttpClient client;
        try {
            client = upstream.client().current();
        } catch (IllegalStateException retired) {
            ex.respondError(502, "upstream_failed", "upstream '" + upstream.name() + "' was reconfigured; retry");
            return;
        }
        ex.upstreamStarted(target);
        target.requestStarted();
        upstream.client().requestStarted();
        UpstreamTimeouts.Watch watch = timeouts.watch(ex, route.timeoutMillis());
        client.request(options).onComplete(ar -> {
            if (ar.failed()) {
                ended(watch);
                fail(ex, ar.cause());
                return;
            }
            HttpClientRequest upstreamRequest = ar.result();
            ex.upstreamRequest(upstreamRequest);
            watch.requestSent(upstreamRequest);
            // Written straight into the client request's own header map: no intermediate copy.
            String clientHost = req.getHeader(HttpHeaders.HOST);
            HeaderRules.forwardRequestHeaders(req.headers(), upstreamRequest.headers(), ex.clientIp(),
                    req.connection().isSsl() ? "https" : "http",
                    clientHost, route.config().preserveHost() && clientHost != null ? clientHost : target.authority(),
                    ex.requestId());
            if (ex.isFinished()) {
                // the client left while we waited for a connection
                upstreamRequest.reset();
                ended(watch);
                return;
            }
            if (ex.hasBody()) {
                // Our own pipe rather than send(req): a client body that breaks off must not end the upstream
                // request as if it were complete (a truncated but well-formed chunked upload).
                if (!upstreamRequest.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
                    upstreamRequest.setChunked(true);
                }
                if ("100-continue".equalsIgnoreCase(req.getHeader(HttpHeaders.EXPECT))) {
                    // The gateway takes the body now (Expect is not forwarded): tell the client to send it.
                    req.response().writeContinue();
                }
                // On failure the upstream exchange is reset; its failed response then answers the client
                // (413 when the body outgrew the cap).
                ReadStream<Buffer> body = upstreamRequest.headers().contains(HttpHeaders.CONTENT_LENGTH) ? req
                        : new LimitedBody(req, maxBodyBytes);
                body.pipe().endOnFailure(false).to(upstreamRequest).onFailure(err -> {
                    if (err instanceof LimitedBody.TooLarge) {
                        ex.respondError(413, "body_too_large", "the request body is larger than " + maxBodyBytes + " bytes");
                    }
                    upstreamRequest.reset();
                });
                upstreamRequest.response().onComplete(rar -> respondSafely(watch, upstreamRequest, rar));
            } else {
                upstreamRequest.send().onComplete(rar -> respondSafely(watch, upstreamRequest, rar));
            }
        });
    }

    /** A bug in a response filter must not leave the client hanging or the in-flight counts up. */
    private void respondSafely(UpstreamTimeouts.Watch watch, HttpClientRequest upstreamRequest,
                               AsyncResult<HttpClientResponse> ar) {
        Exchange ex = watch.exchange;
        try {
            respond(watch, upstreamRequest, ar);
        } catch (RuntimeException e) {
            LOG.errorf(e, "request %s: failed while answering", ex.requestId());
            upstreamRequest.reset();
            ended(watch);
            ex.respondError(502, "upstream_failed", "the gateway failed to relay the upstream's answer");
        }
    }

    private void respond(UpstreamTimeouts.Watch watch, HttpClientRequest upstreamRequest,
                         AsyncResult<HttpClientResponse> ar) {
        Exchange ex = watch.exchange;
        ex.upstreamResponded();
        if (ar.failed()) {
            ended(watch);
            fail(ex, ar.cause());
            return;
        }
        HttpClientResponse upstreamResponse = ar.result();
        // Passive health counts 5xx as failures; the body's own fate is reported below.
        boolean serverError = upstreamResponse.statusCode() >= 500;
        HttpServerResponse response = ex.response();
        if (response.closed() || ex.isFinished()) {
            upstreamRequest.reset();
            ended(watch);
            return;
        }
        int status = upstreamResponse.statusCode();
        response.setStatusCode(status);
        HeaderRules.forwardResponseHeaders(upstreamResponse.headers(), response.headers(), ex.requestId());
        ex.runResponseFilters();
        if (!response.headers().contains(HttpHeaders.CONTENT_LENGTH) && hasBody(ex.request().method(), status)) {
            response.setChunked(true);
        }
        watch.bodyStarted(response);
        // endOnFailure(false): an upstream that breaks off mid-body must not look like a complete response (a
        // final empty chunk would tell the client, and any cache, that the truncated body is whole).
        upstreamResponse.pipe().endOnFailure(false).to(response).onComplete(par -> {
            ended(watch);
            if (!ex.isFinished() || par.succeeded()) {
                ex.route().upstream().outcome(ex.target(), par.succeeded() && !serverError);
            }
            if (par.failed()) {
                ex.upstreamBrokeOff();
                upstreamRequest.reset();
                response.reset();
            }
        });
    }

    private static boolean hasBody(HttpMethod method, int status) {
        return method != HttpMethod.HEAD && status >= 200 && status != 204 && status != 304;
    }

    private void ended(UpstreamTimeouts.Watch watch) {
        Exchange ex = watch.exchange;
        if (!ex.markUpstreamEnded()) {
            return; // counted once, whatever path got here first
        }
        timeouts.done(watch);
        Target target = ex.target();
        target.requestEnded();
        ex.route().upstream().client().requestEnded();
    }

    private static void fail(Exchange ex, Throwable cause) {
        if (!ex.isFinished()) {
            // a failure because the client left says nothing about the target
            ex.route().upstream().outcome(ex.target(), false);
        }
        // Clients learn the upstream's name, never its addresses or the exception: those go to the log.
        String name = "'" + ex.route().upstream().name() + "'";
        LOG.debugf("request %s to %s failed: %s", ex.requestId(), ex.target(), cause);
        if (cause instanceof TimeoutException) {
            ex.respondError(504, "upstream_timeout", "upstream " + name + " did not answer in time");
        } else if (cause instanceof ConnectionPoolTooBusyException) {
            ex.respondError(503, "upstream_busy", "too many requests waiting for a connection to upstream " + name);
        } else if (cause instanceof ConnectException) {
            ex.respondError(502, "upstream_unavailable", "could not connect to upstream " + name);
        } else {
            ex.respondError(502, "upstream_failed", "upstream " + name + " failed to answer");
        }
    }
}
