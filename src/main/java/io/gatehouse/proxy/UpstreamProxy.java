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
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

/**
 * The end of every chain: sends the request to a target the upstream's balancer picks, over that upstream's
 * keep-alive pool, and streams both bodies through with back-pressure (Vert.x pipes: a slow reader pauses
 * the writer's source), so a body of any size passes in bounded memory.
 *
 * <p>{@code timeout} (route, else upstream) bounds the wait for the response head and, after it, any pause in
 * the response body; {@code connect-timeout} bounds getting a connection.
 */
@Singleton
public class UpstreamProxy {
    private static final Logger LOG = Logger.getLogger(UpstreamProxy.class);

    public void forward(Exchange ex) {
        CompiledRoute route = ex.route();
        Upstream upstream = route.upstream();
        Target target = upstream.balancer().pick(null);
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
                .setConnectTimeout(upstream.config().connectTimeout().toMillis())
                .setIdleTimeout(route.timeoutMillis());

        ex.upstreamStarted(target);
        target.requestStarted();
        upstream.client().requestStarted();
        upstream.client().current().request(options).onComplete(ar -> {
            if (ar.failed()) {
                ended(ex);
                fail(ex, ar.cause());
                return;
            }
            HttpClientRequest upstreamRequest = ar.result();
            ex.upstreamRequest(upstreamRequest);
            // Written straight into the client request's own header map: no intermediate copy.
            String clientHost = req.getHeader(HttpHeaders.HOST);
            HeaderRules.forwardRequestHeaders(req.headers(), upstreamRequest.headers(), ex.clientIp(), req.scheme(),
                    clientHost, route.config().preserveHost() && clientHost != null ? clientHost : target.authority(),
                    ex.requestId());
            if (ex.isFinished()) {
                // the client left while we waited for a connection
                upstreamRequest.reset();
                ended(ex);
                return;
            }
            (ex.hasBody() ? upstreamRequest.send(req) : upstreamRequest.send())
                    .onComplete(rar -> respond(ex, upstreamRequest, rar));
        });
    }

    private void respond(Exchange ex, HttpClientRequest upstreamRequest, AsyncResult<HttpClientResponse> ar) {
        ex.upstreamResponded();
        if (ar.failed()) {
            ended(ex);
            fail(ex, ar.cause());
            return;
        }
        HttpClientResponse upstreamResponse = ar.result();
        HttpServerResponse response = ex.response();
        if (response.closed() || ex.isFinished()) {
            upstreamRequest.reset();
            ended(ex);
            return;
        }
        int status = upstreamResponse.statusCode();
        response.setStatusCode(status);
        HeaderRules.forwardResponseHeaders(upstreamResponse.headers(), response.headers(), ex.requestId());
        ex.runResponseFilters();
        if (!response.headers().contains(HttpHeaders.CONTENT_LENGTH) && hasBody(ex.request().method(), status)) {
            response.setChunked(true);
        }
        upstreamResponse.pipeTo(response).onComplete(par -> {
            ended(ex);
            if (par.failed()) {
                // The client went away, or the upstream broke off mid-body: neither side can be told with a
                // status any more, so both connections are closed.
                upstreamRequest.reset();
                if (!response.closed()) {
                    ex.request().connection().close();
                }
            }
        });
    }

    private static boolean hasBody(HttpMethod method, int status) {
        return method != HttpMethod.HEAD && status >= 200 && status != 204 && status != 304;
    }

    private static void ended(Exchange ex) {
        Target target = ex.target();
        target.requestEnded();
        ex.route().upstream().client().requestEnded();
    }

    private static void fail(Exchange ex, Throwable cause) {
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
