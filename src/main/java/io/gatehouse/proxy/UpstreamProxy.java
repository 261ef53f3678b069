package io.gatehouse.proxy;

import io.gatehouse.config.RetryConfig;
import io.gatehouse.pipeline.CompiledRoute;
import io.gatehouse.pipeline.Exchange;
import io.gatehouse.pipeline.FilterChain;
import io.gatehouse.pipeline.GatewayFilter;
import io.gatehouse.pipeline.LocalReply;
import io.gatehouse.pipeline.UpstreamRequest;
import io.gatehouse.pipeline.UpstreamResponse;
import io.gatehouse.upstream.Target;
import io.gatehouse.upstream.Upstream;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.AsyncResult;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.StreamResetException;
import io.vertx.core.streams.ReadStream;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.net.ConnectException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;

/**
 * The end of every chain: sends the request to a target the upstream's balancer picks, over that upstream's
 * keep-alive pool, and streams both bodies through with back-pressure (a slow reader pauses the writer's
 * source: a Vert.x pipe upward, {@link ResponseRelay} downward), so a body of any size passes in bounded memory.
 *
 * <p>{@code timeout} (route, else upstream) bounds getting a connection, then the wait for the response head once
 * the request is sent, then any pause in the response body; {@code send-timeout} bounds how long the upstream may
 * leave the request body unread, {@code server.client-body-timeout} how long the client may pause it
 * ({@link UpstreamTimeouts}); {@code connect-timeout} bounds opening a TCP connection to a target.
 *
 * <p>Retries ({@code retry}) happen only before anything is sent to the client, only for the configured
 * methods, on another target when there is one, within the upstream's retry budget, and only for requests
 * without a body or with a body small enough to be kept ({@link RetryConfig#MAX_REPLAY_BODY}); a streamed
 * body cannot be sent twice.
 */
@Singleton
public class UpstreamProxy implements io.gatehouse.pipeline.Forwarder {
    private static final Logger LOG = Logger.getLogger(UpstreamProxy.class);
    /** An upstream asking (Retry-After) for longer than this gets its answer passed on instead of a retry. */
    static final long MAX_RETRY_AFTER_WAIT_MILLIS = 1000;
    /** A client that gave up after waiting this long for a response head counts as a failure of the target. */
    static final long HUNG_NANOS = 1_000_000_000L;
    /** For an upstream response given up on: its reset is expected, not an error to log. */
    private static final io.vertx.core.Handler<Throwable> DROPPED = err -> { };

    private final Vertx vertx;
    private final UpstreamTimeouts timeouts;
    private final long maxBodyBytes;

    @Inject
    public UpstreamProxy(Vertx vertx,
                         @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10M") MemorySize maxBody) {
        this.vertx = vertx;
        this.timeouts = new UpstreamTimeouts(vertx);
        this.maxBodyBytes = maxBody.asLongValue();
    }

    /** The proxy's state for one request across its attempts. */
    private static final class Call {
        final Exchange exchange;
        final Upstream upstream;
        final RetryConfig retry;
        final String hashKey;
        boolean retryable;
        Buffer keptBody;
        int retries;
        /**
         * The route's timeout covers the wait for a response head across all attempts, backoff included, counted from
         * the first request sent.
         */
        final UpstreamTimeouts.HeadDeadline headDeadline = new UpstreamTimeouts.HeadDeadline();

        Call(Exchange exchange, Upstream upstream, String hashKey) {
            this.exchange = exchange;
            this.upstream = upstream;
            this.retry = upstream.config().retry();
            this.hashKey = hashKey;
        }

        /** Whether one more try is allowed now; spends a budget token when it is. */
        boolean mayRetryAgain() {
            return retryable && retries < retry.attempts() && upstream.retryBudget().tryRetry();
        }
    }

    @Override
    public void forward(Exchange ex) {
        Upstream upstream = ex.route().upstream();
        Call call = new Call(ex, upstream, HashKeys.of(upstream.config().hashOn(), ex));
        if (call.retry == null) {
            attempt(call, null);
            return;
        }
        upstream.retryBudget().request();
        HttpServerRequest req = ex.request();
        call.retryable = call.retry.methods().contains(req.method().name());
        if (call.retryable && ex.hasBody()) {
            long length = declaredLength(req);
            if (length < 0 || length > RetryConfig.MAX_REPLAY_BODY) {
                call.retryable = false; // a streamed body cannot be sent twice
            } else {
                if ("100-continue".equalsIgnoreCase(req.getHeader(HttpHeaders.EXPECT))) {
                    req.response().writeContinue();
                }
                // A small body, read whole to be replayable: a client that stalls it is answered 408 all the same.
                long stallMillis = ex.snapshot().config().server().clientBodyTimeout().toMillis();
                long timer = vertx.setTimer(stallMillis, id -> ex.respondError(408, "request_timeout",
                        "the request body was not sent within " + stallMillis + " ms"));
                req.body().onComplete(ar -> {
                    vertx.cancelTimer(timer);
                    if (ex.isFinished() || ex.answering()) {
                        return;
                    }
                    if (ar.failed()) {
                        ex.respondError(400, "bad_request", "the request body could not be read");
                        return;
                    }
                    call.keptBody = ar.result();
                    attempt(call, null);
                });
                req.resume(); // the handler paused it until the proxy took the body
                return;
            }
        }
        attempt(call, null);
    }

    private static long declaredLength(HttpServerRequest req) {
        String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length == null || req.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
            return -1;
        }
        try {
            return Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void attempt(Call call, Target failed) {
        Exchange ex = call.exchange;
        if (ex.isFinished()) {
            return; // the client left during a backoff
        }
        CompiledRoute route = ex.route();
        Upstream upstream = call.upstream;
        long remainingMillis = call.headDeadline.nanos == 0 ? route.timeoutMillis()
                : (call.headDeadline.nanos - System.nanoTime()) / 1_000_000L;
        if (remainingMillis <= 0) {
            ex.failUpstream(LocalReply.error(504, "upstream_timeout", "upstream '" + upstream.name() + "' did not answer in time"));
            return;
        }
        if (upstream.client().isClosed()) {
            // a retry waiting in its backoff across a reload whose pool was retired meanwhile
            ex.failUpstream(LocalReply.error(502, "upstream_failed", "upstream '" + upstream.name() + "' was reconfigured; retry"));
            return;
        }
        HttpClient client = upstream.client().current();
        Target target = failed == null ? upstream.balancer().pick(call.hashKey) : upstream.pickOther(call.hashKey, failed);
        java.util.concurrent.CompletableFuture<Void> breakerOutcome = null;
        for (int tries = 0; target != null && target.breaker() != null; tries++) {
            breakerOutcome = target.breaker().begin();
            if (breakerOutcome != null) {
                break;
            }
            // the breaker opened between the pick and now: choose again, a few times at most
            target = tries < 3 ? upstream.pickOther(call.hashKey, target) : null;
        }
        if (target == null) {
            noTarget(ex, upstream);
            return;
        }
        HttpServerRequest req = ex.request();
        RequestOptions options = new RequestOptions()
                .setMethod(req.method())
                .setHost(target.host())
                .setPort(target.port())
                .setSsl(target.ssl())
                .setURI(ex.upstreamUri());
        ex.upstreamStarted(target);
        target.requestStarted();
        upstream.client().requestStarted();
        UpstreamTimeouts.Watch watch = timeouts.watch(ex, target, remainingMillis, route.timeoutMillis(),
                upstream.config().sendTimeout().toMillis(), ex.snapshot().config().server().clientBodyTimeout().toMillis(),
                call.headDeadline);
        watch.breakerOutcome = breakerOutcome;
        if (ex.trace() != null) {
            watch.span = ex.trace().attempt(call.retries + 1, upstream.name(), target, req.method().name(),
                    ex.upstreamUri());
        }
        client.request(options, ar -> {
            if (ar.failed()) {
                failedBeforeHead(call, watch, ar.cause()); // reports the outcome first, then releases
                return;
            }
            HttpClientRequest upstreamRequest = ar.result();
            try {
                send(call, watch, req, upstreamRequest);
            } catch (RuntimeException e) {
                // A bug or input nothing refused earlier: the leased connection goes (reset, never back to the pool
                // half-written), the target is not blamed, the client gets an answer.
                LOG.errorf(e, "request %s: failed while sending upstream", ex.requestId());
                watch.neutral(); // settled before the reset, whose failure would otherwise blame the target
                ended(watch);
                upstreamRequest.reset();
                ex.respondError(500, "internal_error", "the gateway failed to forward the request");
            }
        });
    }

    /** Writes the upstream request: head (header rules, identity), then the body as it comes. */
    private void send(Call call, UpstreamTimeouts.Watch watch, HttpServerRequest req, HttpClientRequest upstreamRequest) {
        Exchange ex = call.exchange;
        CompiledRoute route = ex.route();
        {
            ex.upstreamRequest(upstreamRequest);
            watch.requestSent(upstreamRequest);
            // Written straight into the client request's own header map: no intermediate copy.
            String clientHost = ex.authority();
            HeaderRules.forwardRequestHeaders(req.headers(), upstreamRequest.headers(), ex.peerIp(), ex.fromTrustedProxy(),
                    req.connection().isSsl() ? "https" : "http",
                    clientHost, route.config().preserveHost() && clientHost != null ? clientHost : watch.target.authority(),
                    ex.requestId());
            if (watch.span != null) {
                ex.trace().propagate(watch.span, upstreamRequest.headers());
            } else {
                io.gatehouse.pipeline.TraceParent.forward(upstreamRequest.headers(), ex.traceId());
            }
            if (ex.isFinished() || ex.answering()) {
                // the client left, or was answered (a timeout), while we waited for a connection
                upstreamRequest.reset();
                ended(watch);
                return;
            }
            // The filters' upstream-request phase (identity headers, credential removal, transforms): per attempt.
            if (FilterChain.runs(ex, GatewayFilter.Phase.UPSTREAM_REQUEST)) {
                FilterChain.upstreamRequest(ex, new UpstreamRequest(upstreamRequest, call.retries + 1),
                        failure -> write(call, watch, req, upstreamRequest, failure));
            } else {
                write(call, watch, req, upstreamRequest, null); // no filter edits this route's requests
            }
        }
    }

    /** After the upstream-request phase: the request goes out, head then body. */
    private void write(Call call, UpstreamTimeouts.Watch watch, HttpServerRequest req, HttpClientRequest upstreamRequest,
                       Throwable failure) {
        Exchange ex = call.exchange;
        if (failure != null) {
            LOG.errorf(failure, "request %s: the upstream-request phase failed", ex.requestId());
            watch.neutral();
            ended(watch);
            upstreamRequest.reset();
            ex.respondError(500, "internal_error", "the gateway failed to forward the request");
            return;
        }
        if (ex.isFinished() || ex.answering()) {
            // the client left, or was answered meanwhile (a timeout while a filter waited): nothing goes upstream
            upstreamRequest.reset();
            ended(watch);
            return;
        }
        // Callbacks rather than futures, and ends without a completion promise: this is the per-request path.
        upstreamRequest.response(rar -> respondSafely(call, watch, upstreamRequest, rar));
        if (call.keptBody != null) {
            upstreamRequest.end(call.keptBody, ResponseRelay.NO_COMPLETION);
            watch.sent();
        } else if (ex.hasBody()) {
            watch.sending(req);
            streamBody(ex, req, upstreamRequest, watch);
        } else {
            upstreamRequest.end(ResponseRelay.NO_COMPLETION);
            watch.sent();
        }
    }

    /** No target to send to: 503, with Retry-After when open circuit breakers are the reason. */
    private static void noTarget(Exchange ex, Upstream upstream) {
        String name = "'" + upstream.name() + "'";
        if (upstream.config().circuitBreaker() != null
                && upstream.targets().stream().anyMatch(t -> t.state().breakerOpen())) {
            long seconds = Math.max(1, (upstream.config().circuitBreaker().delay().toMillis() + 999) / 1000);
            ex.failUpstream(LocalReply.error(503, "circuit_open", "every target of upstream " + name
                    + " is failing; try again later").header(HttpHeaders.RETRY_AFTER, String.valueOf(seconds)));
            return;
        }
        ex.failUpstream(LocalReply.error(503, "no_healthy_target", "no healthy target for upstream " + name));
    }

    /** Pipes the client's body up: our own pipe rather than send(req), see below. */
    private void streamBody(Exchange ex, HttpServerRequest req, HttpClientRequest upstreamRequest,
                            UpstreamTimeouts.Watch watch) {
        if (!upstreamRequest.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
            upstreamRequest.setChunked(true);
        }
        if ("100-continue".equalsIgnoreCase(req.getHeader(HttpHeaders.EXPECT))) {
            // The gateway takes the body now (Expect is not forwarded): tell the client to send it.
            req.response().writeContinue();
        }
        // endOnFailure(false): a client body that breaks off must not end the upstream request as if it were
        // complete (a truncated but well-formed chunked upload). On failure the upstream exchange is reset; its
        // failed response then answers the client (413 when the body outgrew the cap).
        ReadStream<Buffer> body = upstreamRequest.headers().contains(HttpHeaders.CONTENT_LENGTH) ? req
                : new LimitedBody(req, ex.maxBodyBytes(maxBodyBytes));
        body.pipe().endOnFailure(false).to(upstreamRequest).onSuccess(v -> watch.sent()).onFailure(err -> {
            if (err instanceof LimitedBody.TooLarge) {
                ex.respondError(413, "body_too_large", "the request body is larger than " + ex.maxBodyBytes(maxBodyBytes)
                        + " bytes");
            } else if (Exchange.isFramingError(err)) {
                // invalid chunked framing from the client (a size that is not hex, data longer than its size)
                ex.respondBadFraming();
            }
            LOG.debugf("request %s: the request body did not reach the upstream whole (%s)", ex.requestId(), err);
            // Answered first (the reset's failure would answer 502), then reset, never ended: a body cut short must
            // not look complete to the upstream.
            upstreamRequest.reset();
        });
    }

    /** A bug in a response filter must not leave the client hanging or the in-flight counts up. */
    private void respondSafely(Call call, UpstreamTimeouts.Watch watch, HttpClientRequest upstreamRequest,
                               AsyncResult<HttpClientResponse> ar) {
        try {
            respond(call, watch, upstreamRequest, ar);
        } catch (RuntimeException e) {
            LOG.errorf(e, "request %s: failed while answering", call.exchange.requestId());
            upstreamRequest.reset();
            ended(watch);
            call.exchange.failUpstream(LocalReply.error(502, "upstream_failed", "the gateway failed to relay the upstream's answer"));
        }
    }

    private void respond(Call call, UpstreamTimeouts.Watch watch, HttpClientRequest upstreamRequest,
                         AsyncResult<HttpClientResponse> ar) {
        Exchange ex = call.exchange;
        ex.upstreamResponded();
        if (ar.failed()) {
            failedBeforeHead(call, watch, ar.cause());
            return;
        }
        HttpClientResponse upstreamResponse = ar.result();
        io.gatehouse.upstream.TargetMeters meters = watch.target.state().meters;
        if (meters != null) {
            meters.responded(System.nanoTime() - watch.startNanos);
        }
        HttpServerResponse response = ex.response();
        if (response.closed() || ex.isFinished() || ex.answering()) {
            // (answering: a timeout answered while this head was on its way)
            upstreamRequest.reset();
            ended(watch);
            return;
        }
        int status = upstreamResponse.statusCode();
        watch.upstreamStatus = status;
        if (call.retry != null && call.retry.onStatus().contains(status)) {
            long retryAfter = retryAfterMillis(upstreamResponse.getHeader(HttpHeaders.RETRY_AFTER));
            if (retryAfter <= MAX_RETRY_AFTER_WAIT_MILLIS && call.mayRetryAgain()) {
                // Dropped before a byte of it reached the client; the connection goes with it.
                watch.report(false);
                upstreamResponse.exceptionHandler(DROPPED); // the reset fails it: expected, not worth a log line
                upstreamRequest.reset();
                ended(watch);
                retryLater(call, watch.target, retryAfter);
                return;
            }
        }
        // Passive health counts 5xx as failures; the body's own fate is reported below.
        boolean serverError = status >= 500;
        HeaderRules.forwardResponseHeaders(upstreamResponse.headers(), response.headers(), ex.requestId());
        // From the head on, only pauses in the body count.
        watch.bodyStarted(response);
        if (!FilterChain.runs(ex, GatewayFilter.Phase.UPSTREAM_RESPONSE) && !FilterChain.runs(ex, GatewayFilter.Phase.RESPONSE)) {
            // no filter looks at this route's responses: straight to the relay, nothing held, nothing allocated
            ex.answering(true);
            response.setStatusCode(status);
            relayBody(call, watch, upstreamRequest, upstreamResponse, null, serverError, null);
            return;
        }
        // The filters' phases below hold the body (paused) meanwhile; a failure meanwhile is kept for after them.
        upstreamResponse.pause();
        upstreamResponse.exceptionHandler(watch::held);
        watch.holding = true;
        UpstreamResponse answer = UpstreamResponse.answered(status, response.headers());
        FilterChain.upstreamResponse(ex, answer, () -> {
            if (ex.isFinished()) {
                upstreamRequest.reset();
                ended(watch);
                return;
            }
            if (answer.replacement() != null) {
                // A filter answers instead (a stored entry for a 304…): the upstream's body is dropped with its
                // connection; the upstream did answer, so it counts as a success unless it was a 5xx.
                watch.report(!serverError);
                ended(watch);
                upstreamResponse.exceptionHandler(DROPPED);
                upstreamRequest.reset();
                FilterChain.sendLocal(ex, answer.replacement(), true);
                return;
            }
            response.setStatusCode(answer.status());
            if (answer.wholeBody() != null) {
                WholeBodies.read(ex, answer, upstreamResponse, watch, result -> {
                    if (ex.isFinished()) {
                        // the client left while the body was read: says nothing about the target
                        watch.neutral();
                        ended(watch);
                        upstreamRequest.reset();
                        return;
                    }
                    if (result.whole() != null) {
                        watch.report(!serverError);
                        ended(watch);
                        response.headers().remove(HttpHeaders.TRANSFER_ENCODING);
                        response.headers().set(HttpHeaders.CONTENT_LENGTH, String.valueOf(result.whole().length()));
                        FilterChain.response(ex, () -> response.end(result.whole(), ResponseRelay.NO_COMPLETION));
                    } else if (result.partial() != null) {
                        // over the bound, and every filter asked for it to stream through untouched
                        FilterChain.response(ex, () -> relayBody(call, watch, upstreamRequest, upstreamResponse, answer,
                                serverError, result.partial()));
                    } else {
                        if (result.failure() != null) {
                            LOG.debugf("request %s: reading the whole body failed (%s)", ex.requestId(), result.failure());
                        }
                        watch.report(result.tooLarge() && !serverError);
                        watch.spanError = result.tooLarge() ? "response_too_large" : "broke_off";
                        ended(watch);
                        upstreamRequest.reset();
                        FilterChain.sendLocal(ex, result.tooLarge()
                                ? LocalReply.error(502, "upstream_response_too_large",
                                        "the upstream's answer is larger than this route may hold")
                                : LocalReply.error(502, "upstream_failed", "upstream '" + call.upstream.name()
                                        + "' failed to answer"), true);
                    }
                });
                return;
            }
            FilterChain.response(ex, () -> relayBody(call, watch, upstreamRequest, upstreamResponse, answer, serverError,
                    null));
        });
    }

    /** Streams the upstream's body to the client (through the filters' body steps), after the response phase. */
    private void relayBody(Call call, UpstreamTimeouts.Watch watch, HttpClientRequest upstreamRequest,
                           HttpClientResponse upstreamResponse, UpstreamResponse answer, boolean serverError,
                           Buffer alreadyRead) {
        Exchange ex = call.exchange;
        HttpServerResponse response = ex.response();
        if (ex.isFinished()) {
            upstreamRequest.reset();
            ended(watch);
            return;
        }
        if (watch.heldFailure != null) {
            // the upstream broke off while the filters held its body: nothing of it has reached the client yet
            LOG.debugf("request %s: the upstream failed while its answer was held (%s)", ex.requestId(), watch.heldFailure);
            watch.report(false);
            ended(watch);
            upstreamRequest.reset();
            FilterChain.sendLocal(ex, LocalReply.error(502, "upstream_failed", "upstream '" + call.upstream.name()
                    + "' failed to answer"), true);
            return;
        }
        int status = response.getStatusCode();
        // An HTTP/1.0 client cannot take chunked: a body without a length is delimited by closing the connection
        // (Vert.x would otherwise keep a keep-alive connection open, and the client would wait for the end forever).
        boolean withoutLength = !response.headers().contains(HttpHeaders.CONTENT_LENGTH)
                && hasBody(ex.request().method(), status);
        if (withoutLength) {
            response.setChunked(true);
        }
        boolean closeConnection = withoutLength && ex.request().version() == io.vertx.core.http.HttpVersion.HTTP_1_0;
        if (closeConnection) {
            ex.closesConnection(); // before the head: it says so (Connection: close), not keep-alive
        }
        watch.holding = false;
        // An upstream that breaks off mid-body must not look like a complete response (a final empty chunk would
        // tell the client, and any cache, that the truncated body is whole): the relay leaves it open, we reset it.
        java.util.List<io.gatehouse.pipeline.BodyFilter> steps = answer == null ? null : answer.bodyFilters();
        ResponseRelay.relay(upstreamResponse, response, steps, watch, alreadyRead, complete -> {
            if (!ex.isFinished() || complete) {
                watch.report(complete && !serverError);
            }
            if (!complete && watch.spanError == null) {
                watch.spanError = ex.isFinished() ? "cancelled" : "broke_off";
            }
            ended(watch);
            if (closeConnection) {
                ex.request().connection().close(); // after the body's bytes: Vert.x flushes before it closes
            }
            if (!complete) {
                upstreamRequest.reset();
                if (!ex.isFinished()) {
                    // (finished: the client left first, and the exchange's reset of this request is what failed
                    // the relay; that is a 499, not the upstream breaking off)
                    ex.upstreamBrokeOff();
                    ex.cutOff();
                }
            }
        });
        if (answer != null) {
            upstreamResponse.resume(); // held for the filters' phases
        }
    }

    /** No response head came back from this attempt. */
    private void failedBeforeHead(Call call, UpstreamTimeouts.Watch watch, Throwable cause) {
        if (watch.ended) {
            return; // settled already (the failure is our own reset of an attempt given up on)
        }
        if (watch.spanError == null) {
            watch.spanError = cause.getClass().getSimpleName();
        }
        Exchange ex = call.exchange;
        if (!watch.verdictGiven && !ex.isFinished() && !(cause instanceof ConnectionPoolTooBusyException)) {
            // (when finished: answered already by a timeout, or the client left; a full wait queue is the
            // gateway's own overload, not the target's failure)
            watch.report(false);
        }
        ended(watch);
        if (ex.isFinished()) {
            return;
        }
        if (call.retry != null && call.retry.onConnectFailure() && isConnectionFailure(cause) && call.mayRetryAgain()) {
            LOG.debugf("request %s: %s failed (%s), retrying", ex.requestId(), watch.target, cause);
            retryLater(call, watch.target, -1);
            return;
        }
        LOG.debugf("request %s: %s failed (%s), not retried", ex.requestId(), watch.target, cause);
        fail(ex, cause);
    }

    private void retryLater(Call call, Target failed, long retryAfterMillis) {
        call.retries++;
        long delay;
        if (retryAfterMillis >= 0) {
            delay = retryAfterMillis;
        } else {
            // exponential backoff with jitter: half to all of base * 2^(n-1)
            long base = call.retry.backoff().toMillis() << Math.min(call.retries - 1, 10);
            delay = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
        }
        if (delay <= 0) {
            attempt(call, failed);
        } else {
            vertx.setTimer(delay, id -> attempt(call, failed));
        }
    }

    /** Failures where the target never produced a response head, so another target may well succeed. */
    private static boolean isConnectionFailure(Throwable cause) {
        if (cause instanceof java.io.IOException || cause instanceof HttpClosedException
                || cause instanceof StreamResetException || cause instanceof ConnectionPoolTooBusyException
                || cause instanceof io.netty.channel.ConnectTimeoutException) {
            return true; // refused, reset, closed: ConnectException and "connection reset by peer" are IOExceptions
        }
        String message = String.valueOf(cause.getMessage()).toLowerCase(java.util.Locale.ROOT);
        return cause instanceof io.vertx.core.VertxException && (message.contains("closed") || message.contains("reset"));
    }

    /** Retry-After in seconds (the HTTP-date form is not worth waiting on); -1 when absent, max when unreadable. */
    static long retryAfterMillis(String header) {
        if (header == null) {
            return -1;
        }
        try {
            return Math.max(0, Long.parseLong(header.trim())) * 1000;
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    private static boolean hasBody(HttpMethod method, int status) {
        return method != HttpMethod.HEAD && status >= 200 && status != 204 && status != 304;
    }

    private void ended(UpstreamTimeouts.Watch watch) {
        if (watch.ended) {
            return; // counted once, whatever path got here first
        }
        watch.ended = true;
        timeouts.done(watch);
        if (watch.breakerOutcome != null) {
            // No verdict was reported: the client left. Before a response head, after a long wait, that says the
            // target hangs (clients often give up before the gateway's timeout); otherwise it says nothing.
            // (Counted from the request sent: a client that gives up on its own long upload says nothing of the target.)
            boolean hung = watch.streamingTo == null && watch.sendingFrom == null
                    && System.nanoTime() - watch.since > HUNG_NANOS;
            if (hung) {
                watch.breakerOutcome.completeExceptionally(io.gatehouse.upstream.TargetBreaker.FAILED);
            } else {
                watch.breakerOutcome.complete(null);
            }
            watch.breakerOutcome = null;
        }
        watch.target.requestEnded();
        watch.exchange.route().upstream().client().requestEnded();
        if (watch.span != null) {
            watch.span.end(watch.upstreamStatus, watch.spanError);
        }
    }

    private static void fail(Exchange ex, Throwable cause) {
        // Clients learn the upstream's name, never its addresses or the exception: those go to the log.
        String name = "'" + ex.route().upstream().name() + "'";
        LOG.debugf("request %s to %s failed: %s", ex.requestId(), ex.target(), cause);
        if (cause instanceof TimeoutException) {
            ex.failUpstream(LocalReply.error(504, "upstream_timeout", "upstream " + name + " did not answer in time"));
        } else if (cause instanceof ConnectionPoolTooBusyException) {
            ex.failUpstream(LocalReply.error(503, "upstream_busy", "too many requests waiting for a connection to upstream " + name));
        } else if (cause instanceof ConnectException) {
            ex.failUpstream(LocalReply.error(502, "upstream_unavailable", "could not connect to upstream " + name));
        } else {
            ex.failUpstream(LocalReply.error(502, "upstream_failed", "upstream " + name + " failed to answer"));
        }
    }
}
