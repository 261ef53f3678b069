package io.gatehouse.pipeline;

import io.gatehouse.upstream.Target;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * The state of one request on its way through the gateway: the snapshot it started on, its route and path
 * parameters, where it stands in its filter chain, the typed attributes filters leave for each other, the chosen
 * target and the timings. One per request, used only on the request's event loop, so nothing here is synchronized.
 */
public final class Exchange {
    /** Who the request was authenticated as; set by authentication, read by anyone. */
    public static final AttributeKey<Caller> CALLER = AttributeKey.of("caller");

    /** How an exchange ended, for the completion phase. */
    public enum Outcome {
        /** The whole response went out. */
        COMPLETED,
        /** The client went away before the response was complete (logged as 499). */
        CLIENT_LEFT,
        /** The upstream broke off mid-body; the client's response was cut off too (logged as 502). */
        UPSTREAM_BROKE_OFF
    }

    private final HttpServerRequest request;
    private final HttpServerResponse response;
    private final GatewaySnapshot snapshot;
    private final long startNanos;
    private final String requestId;
    private final String path;
    private final boolean hasBody;
    private final Context context;

    private String clientIp;
    private String peerIp;
    private Boolean trustedPeer;
    private String authority;
    private boolean authorityRead;
    private CompiledRoute route;
    private String[] params;
    private String rest;
    /** The chain walked: the global stage's filters, then (once routed) the route's, global ones first. */
    GatewayFilter[] chain;
    /** The phases any filter of {@link #chain} takes part in ({@link FilterChain#phasesOf}). */
    int phases;
    /** How many filters of {@link #chain} the request phase entered. */
    int entered;
    /** Where the response phase stands (counts down). */
    int responsePhase;
    private Object[] attributes;
    private String label;
    private boolean answering;
    private LocalReply reply;
    private boolean malformed;
    private io.gatehouse.routing.RequestPath requestPath;
    private int attempts;
    private Target target;
    private HttpClientRequest upstreamRequest;
    private long upstreamStartNanos;
    private long upstreamNanos = -1;
    private String error;
    /** The trace the request belongs to (tracing's, the client's {@code traceparent}, or one made here). */
    private String traceId;
    private RequestTrace trace;
    /** Fields filters add to the request's access-log line: name, value, name, value… */
    private java.util.List<String> logFields;
    private boolean brokeOff;
    private boolean finished;
    private Handler<Exchange> onFinish;

    /**
     * A new exchange on the request's event loop. The caller has {@link GatewaySnapshot#enter entered} the snapshot
     * (may be null before the first config); {@link #finish} leaves it.
     */
    public Exchange(HttpServerRequest request, GatewaySnapshot snapshot, String path, long startNanos) {
        this.request = request;
        this.response = request.response();
        this.snapshot = snapshot;
        this.path = path;
        this.startNanos = startNanos;
        this.requestId = RequestIds.fromOrNew(request.getHeader(RequestIds.HEADER));
        this.hasBody = hasBody(request);
        this.context = Vertx.currentContext();
        this.chain = snapshot == null ? FilterChain.NONE : snapshot.globalFilters();
        this.phases = snapshot == null ? 0 : snapshot.globalPhases();
    }

    /**
     * An exchange for a request the HTTP decoder or the router refused before it was valid HTTP: it gets no request
     * phase, but its error passes through the global stage's response and completion phases.
     */
    public static Exchange malformed(HttpServerRequest request, GatewaySnapshot snapshot) {
        Exchange ex = new Exchange(request, snapshot, "", System.nanoTime());
        ex.malformed = true;
        ex.entered = ex.chain.length;
        return ex;
    }

    /**
     * Refuses the request before its request phase (not valid HTTP, a path or header the gateway never serves): the
     * answer still passes through the global stage's response and completion phases.
     */
    public void refuse(LocalReply reply) {
        malformed = true;
        entered = chain.length;
        reply(reply);
    }

    /** The request path as parsed once (normalized, with what it holds that some routes refuse). */
    public io.gatehouse.routing.RequestPath requestPath() {
        return requestPath;
    }

    public void requestPath(io.gatehouse.routing.RequestPath requestPath) {
        this.requestPath = requestPath;
    }

    /** Whether the request was refused before it was valid HTTP (no request phase ran for it). */
    public boolean malformed() {
        return malformed;
    }

    /** The value of a per-request attribute, or null. */
    @SuppressWarnings("unchecked")
    public <T> T get(AttributeKey<T> key) {
        Object[] a = attributes;
        return a == null || key.slot >= a.length ? null : (T) a[key.slot];
    }

    /** Sets (or, with null, clears) a per-request attribute. */
    public <T> Exchange put(AttributeKey<T> key, T value) {
        if (attributes == null || key.slot >= attributes.length) {
            Object[] grown = new Object[Math.max(AttributeKey.slots(), key.slot + 1)];
            if (attributes != null) {
                System.arraycopy(attributes, 0, grown, 0, attributes.length);
            }
            attributes = grown;
        }
        attributes[key.slot] = value;
        return this;
    }

    /** Who the request was authenticated as, or null. */
    public Caller caller() {
        return get(CALLER);
    }

    /**
     * The label metrics and logs file the request under: the route id once routed, one a global filter chose for an
     * answer of its own ({@link #label(String)}), else null (no route matched).
     */
    public String label() {
        return label != null ? label : route != null ? route.id() : null;
    }

    /** For a global filter that answers a request itself (POST /auth/token: {@code auth-token}). */
    public void label(String label) {
        this.label = label;
    }

    /** Runs {@code task} on the request's own event loop: at once when already there. */
    public void resume(Runnable task) {
        if (context == null || Vertx.currentContext() == context) {
            task.run();
        } else {
            context.runOnContext(v -> task.run());
        }
    }

    /** A body follows the head when the request says so: a Content-Length above zero, or Transfer-Encoding. */
    static boolean hasBody(HttpServerRequest request) {
        if (request.version() == io.vertx.core.http.HttpVersion.HTTP_2) {
            // HTTP/2 needs neither header: the stream says whether data follows (END_STREAM on the HEADERS frame)
            return !request.isEnded() && !Http2Streams.endedWithHeaders(request);
        }
        if (request.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
            return true;
        }
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        return length != null && !length.equals("0");
    }

    /**
     * What Netty's HTTP decoder reports for a body it cannot frame: a DecoderException, or the number format error
     * of a chunk size.
     */
    public static boolean isFramingError(Throwable err) {
        return err instanceof io.netty.handler.codec.DecoderException || err instanceof IllegalArgumentException;
    }

    /** Whether the client sends a body (held paused until the proxy streams it upstream). */
    public boolean hasBody() {
        return hasBody;
    }

    public HttpServerRequest request() {
        return request;
    }

    public HttpServerResponse response() {
        return response;
    }

    public GatewaySnapshot snapshot() {
        return snapshot;
    }

    /**
     * The client's address, decided once per request, for everything that needs one (access log, {@code hash-on: ip},
     * limits, IP rules): the TCP peer, or, when the peer is one of {@code server.trusted-proxies}, the right-most
     * {@code X-Forwarded-For} entry (without that header, the right-most {@code for=} of {@code Forwarded}) that is
     * not itself a trusted proxy.
     */
    public String clientIp() {
        if (clientIp == null) {
            String peer = peerIp();
            if (!fromTrustedProxy()) {
                clientIp = peer; // forwarding headers from anyone else are the client's own claims
            } else if (request.headers().contains("X-Forwarded-For")) {
                // every line, in order: a proxy may add its own line rather than extend the client's
                clientIp = snapshot.trustedProxies().clientAddress(peer,
                        String.join(", ", request.headers().getAll("X-Forwarded-For")));
            } else {
                // RFC 7239 Forwarded, when the proxies in front speak that instead
                clientIp = snapshot.trustedProxies().clientAddress(peer, TrustedProxies.forwardedFor(
                        request.headers().contains("Forwarded") ? String.join(", ", request.headers().getAll("Forwarded")) : null));
            }
        }
        return clientIp;
    }

    /** The TCP peer's address. */
    public String peerIp() {
        if (peerIp == null) {
            // The connection's peer: vertx-web's request wrapper would re-parse forwarding headers on every call.
            io.vertx.core.net.SocketAddress peer = request.connection().remoteAddress();
            peerIp = peer == null ? "unknown" : peer.host();
        }
        return peerIp;
    }

    /** Whether the peer is a trusted proxy, whose forwarding headers are believed. */
    public boolean fromTrustedProxy() {
        if (trustedPeer == null) {
            trustedPeer = snapshot != null && !snapshot.trustedProxies().isEmpty()
                    && snapshot.trustedProxies().contains(peerIp());
        }
        return trustedPeer;
    }

    /** The host the client asked for, as sent (URI authority, Host or :authority), or null. */
    public String authority() {
        if (!authorityRead) {
            authority = GatewayHandler.rawHost(request);
            authorityRead = true;
        }
        return authority;
    }

    /** The normalized request path (dot segments resolved), which routing matched. */
    public String path() {
        return path;
    }

    public String requestId() {
        return requestId;
    }

    /**
     * The W3C trace id (32 hex digits) of the request's trace, for logs, error bodies and the upstream's
     * {@code traceparent}: the one tracing gave it; with tracing off, the one in the client's {@code traceparent},
     * or else a new one made here (so that every request can be followed from the gateway's log to the upstream's).
     */
    public String traceId() {
        if (traceId == null) {
            String fromClient = TraceParent.traceId(request.getHeader(TraceParent.HEADER));
            traceId = fromClient != null ? fromClient : TraceParent.newTraceId();
        }
        return traceId;
    }

    /** Set by tracing when it starts or continues the request's trace. */
    public void traceId(String traceId) {
        this.traceId = traceId;
    }

    /** The largest request body this request may send (a route's {@code limits.max-body-size}), or 0: the global one. */
    private long maxBodyBytes;

    /** The body limit that applies: a route's, when it set one below {@code global}, else {@code global}. */
    public long maxBodyBytes(long global) {
        return maxBodyBytes > 0 && maxBodyBytes < global ? maxBodyBytes : global;
    }

    /** Set by a route filter: a chunked body is counted against it as it streams up. */
    public void limitBodyBytes(long bytes) {
        this.maxBodyBytes = bytes;
    }

    /** The request's trace for spans of its steps, or null while tracing is off. */
    public RequestTrace trace() {
        return trace;
    }

    /** Set by tracing when the request's server span starts. */
    public void trace(RequestTrace trace) {
        this.trace = trace;
    }

    public long startNanos() {
        return startNanos;
    }

    /** The matched route, or null before routing and for requests no route matched. */
    public CompiledRoute route() {
        return route;
    }

    /** Routing found {@code route}: the request phase goes on into its filters. */
    public void route(CompiledRoute route, String[] params, String rest) {
        this.route = route;
        this.params = params;
        this.rest = rest;
        this.chain = route.filters();
        this.phases = route.phases();
    }

    /**
     * Whether the request has the Fetch standard's shape of a CORS preflight: {@code OPTIONS} with {@code Origin} and
     * {@code Access-Control-Request-Method}. What a preflight may be answered with is the filters' business.
     */
    public boolean isPreflight() {
        return request.method() == io.vertx.core.http.HttpMethod.OPTIONS
                && request.headers().contains(HttpHeaders.ORIGIN)
                && request.headers().contains(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD);
    }

    /** Path parameter values (raw), in the order the route's pattern names them. */
    public String[] params() {
        return params;
    }

    /** The part of the path the route's /** matched, or null. */
    public String rest() {
        return rest;
    }

    /** The path plus query to request from the upstream, after strip-prefix or rewrite. */
    public String upstreamUri() {
        String upstreamPath = route.rewriter().apply(path, params, rest);
        String query = request.query();
        return query == null ? upstreamPath : upstreamPath + '?' + query;
    }

    public Target target() {
        return target;
    }

    /** Called by the proxy when it has chosen a target and starts the upstream exchange. */
    public void upstreamStarted(Target target) {
        this.target = target;
        this.attempts++;
        this.upstreamStartNanos = System.nanoTime();
    }

    /** The proxy's request to the target, reset if the client goes away first. */
    public void upstreamRequest(HttpClientRequest upstreamRequest) {
        this.upstreamRequest = upstreamRequest;
    }

    /** Called by the proxy when the upstream's response head arrived (or the attempt failed). */
    public void upstreamResponded() {
        if (upstreamStartNanos != 0 && upstreamNanos < 0) {
            upstreamNanos = System.nanoTime() - upstreamStartNanos;
        }
    }

    /** The upstream broke off mid-body: the response is incomplete and counts as a failure. */
    public void upstreamBrokeOff() {
        if (error == null) {
            error = "upstream_broke_off";
        }
        brokeOff = true;
    }

    /** Whether the response was cut off (by the upstream or the gateway) rather than completed. */
    public boolean brokeOff() {
        return brokeOff;
    }

    /** How many attempts went to upstream targets (retries included). */
    public int attempts() {
        return attempts;
    }

    /** Time from sending the request upstream to its response head, or -1 when there was none. */
    public long upstreamNanos() {
        return upstreamNanos;
    }

    /**
     * Adds a field to this request's access-log line ({@code cache: HIT}, {@code rate_limit: limited}): how a
     * filter reports what it did without the log knowing the filter. A name given twice keeps its last value.
     */
    public void logField(String name, String value) {
        if (logFields == null) {
            logFields = new java.util.ArrayList<>(4);
        }
        for (int i = 0; i < logFields.size(); i += 2) {
            if (logFields.get(i).equals(name)) {
                logFields.set(i + 1, value);
                return;
            }
        }
        logFields.add(name);
        logFields.add(value);
    }

    /** The fields filters added for the access log (name, value…), or an empty list. */
    public java.util.List<String> logFields() {
        return logFields == null ? java.util.List.of() : logFields;
    }

    /** The error code of a gateway-made error response ("upstream_timeout"…), or null. */
    public String error() {
        return error;
    }

    /** The local reply the request was answered with (a filter's or the gateway's), or null when proxied. */
    public LocalReply reply() {
        return reply;
    }

    /** Whether an answer (proxied or local) is on its way: a later {@link #reply} is then ignored. */
    public boolean answering() {
        return answering;
    }

    /** Marks the exchange answering: the proxy does when the upstream's head arrives (or the filters' phases do). */
    public void answering(boolean answering) {
        this.answering = answering;
    }

    /**
     * Answers with a local reply, through the response phase of every filter whose request phase ran. Safe to call
     * at any point: ignored once an answer is on its way; when the response has already begun, the connection is
     * cut instead, since a status can no longer be sent.
     */
    public void reply(LocalReply reply) {
        FilterChain.sendLocal(this, reply, false);
    }

    /** Answers with a JSON error ({@link LocalReply#error}). */
    public void respondError(int status, String code, String message) {
        reply(LocalReply.error(status, code, message));
    }

    /**
     * The gateway gives up on the upstream exchange (no target, a timeout, a connect failure…): the failure passes
     * through the upstream-response phase, where a filter may replace it, then goes out like any local reply.
     */
    public void failUpstream(LocalReply failure) {
        FilterChain.upstreamFailure(this, failure);
    }

    /** Sends a local reply's head and body; the response phase has run. */
    void writeLocal(LocalReply reply) {
        if (error == null) {
            error = reply.errorCode();
        }
        this.reply = reply;
        if (response.ended() || response.closed()) {
            return;
        }
        if (response.headWritten()) {
            cutOff();
            return;
        }
        Buffer body = reply.body(requestId, traceId());
        boolean http1 = request.version() != io.vertx.core.http.HttpVersion.HTTP_2;
        if (http1 && ((hasBody && !request.isEnded()) || request.headers().contains(HttpHeaders.TRANSFER_ENCODING))) {
            // The client is still sending a body we will not read, or a Transfer-Encoding makes the framing of what
            // follows uncertain: close rather than read on. (HTTP/2 has no Connection header, RFC 9113 §8.2.2: the
            // response ends the stream, the connection stays.) Vert.x decides keep-alive from the request, so close
            // explicitly; and mark the connection first, since Vert.x hands over a pipelined request at end().
            ClosingConnections.mark(request);
            response.headers().set(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
            (body == null ? response.end() : response.end(body)).onComplete(v -> ClosingConnections.closeSoon(request));
        } else if (body == null) {
            response.end();
        } else {
            response.end(body);
        }
    }

    /**
     * The HTTP/1 connection closes after this response (an HTTP/1.0 body without a length ends with it): nothing
     * pipelined behind it is served, and the head says {@code Connection: close}.
     */
    public void closesConnection() {
        ClosingConnections.mark(request);
    }

    /** Records the error code of a gateway-made answer (for logs), when none is recorded yet. */
    void error(String code) {
        if (error == null) {
            error = code;
        }
    }

    /**
     * Answers that the request body's framing is broken. Vert.x reports it in the middle of reading, when writes
     * wait for the end of the read to be flushed, and closes the connection right after: so the answer is flushed
     * at once, or it would never leave.
     */
    public void respondBadFraming() {
        respondError(400, "bad_request", "the request body could not be read: its framing is not valid");
        if (request.connection() instanceof io.vertx.core.net.impl.ConnectionBase connection) {
            connection.channelHandlerContext().flush();
        }
    }

    /** The server's own last step (its drain count), after the completion phase. */
    public void onFinish(Handler<Exchange> onFinish) {
        this.onFinish = onFinish;
    }

    /**
     * Cuts off a response whose head went out (a status can no longer be sent): the connection or stream is reset,
     * so the client never takes what it got for a whole response, and the exchange ends here as broken off. (Vert.x
     * does not call the response's end handler after a reset it was asked for.)
     */
    public void cutOff() {
        brokeOff = true;
        if (error == null) {
            error = "upstream_broke_off";
        }
        response.reset();
        finish();
    }

    /** How the exchange ended (meaningful in the completion phase). */
    public Outcome outcome() {
        return brokeOff ? Outcome.UPSTREAM_BROKE_OFF : response.ended() ? Outcome.COMPLETED : Outcome.CLIENT_LEFT;
    }

    /** The status as logs and metrics count it: 502 when the upstream broke off, 499 when the client left. */
    public int finalStatus() {
        return brokeOff ? 502 : response.ended() ? response.getStatusCode() : 499;
    }

    /**
     * Called once, when the response is complete or the client went away (the response's end handler): runs the
     * completion phase and leaves the snapshot.
     */
    public void finish() {
        if (!finished) {
            finished = true;
            if (upstreamRequest != null && !response.ended()) {
                upstreamRequest.reset();
            }
            try {
                FilterChain.complete(this);
            } finally {
                if (snapshot != null) {
                    snapshot.leave();
                }
                if (onFinish != null) {
                    onFinish.handle(this);
                }
            }
        }
    }

    public boolean isFinished() {
        return finished;
    }
}
