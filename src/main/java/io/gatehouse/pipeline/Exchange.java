package io.gatehouse.pipeline;

import io.gatehouse.auth.Principal;
import io.gatehouse.upstream.Target;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * The state of one request on its way through the gateway: the snapshot it started on, its route and path
 * parameters, the position of the filter chain, the chosen target and the timings. One per request, used only
 * on the request's event loop, so nothing here is synchronized.
 */
public final class Exchange {
    private final HttpServerRequest request;
    private final HttpServerResponse response;
    private final GatewaySnapshot snapshot;
    private final long startNanos;
    private final String requestId;
    private final String path;
    private final boolean hasBody;

    private String clientIp;
    private String peerIp;
    private Boolean trustedPeer;
    private String authority;
    private boolean authorityRead;
    private CompiledRoute route;
    private String[] params;
    private String rest;
    private int filtersRun;
    private Principal principal;
    private String verifiedCredential;
    private Target target;
    private HttpClientRequest upstreamRequest;
    private long upstreamStartNanos;
    private long upstreamNanos = -1;
    private String error;
    private boolean brokeOff;
    private boolean finished;
    private Handler<Exchange> onFinish;

    Exchange(HttpServerRequest request, GatewaySnapshot snapshot, String path, long startNanos) {
        this.request = request;
        this.response = request.response();
        this.snapshot = snapshot;
        this.path = path;
        this.startNanos = startNanos;
        this.requestId = RequestIds.fromOrNew(request.getHeader(RequestIds.HEADER));
        this.hasBody = hasBody(request);
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
     * The client's address: the TCP peer, or, when the peer is one of {@code server.trusted-proxies}, the right-most
     * {@code X-Forwarded-For} entry that is not a trusted proxy.
     */
    public String clientIp() {
        if (clientIp == null) {
            String peer = peerIp();
            // every X-Forwarded-For line, in order: a proxy may add its own line rather than extend the client's
            clientIp = fromTrustedProxy() ? snapshot.trustedProxies().clientAddress(peer,
                    request.headers().contains("X-Forwarded-For")
                            ? String.join(", ", request.headers().getAll("X-Forwarded-For")) : null) : peer;
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

    public long startNanos() {
        return startNanos;
    }

    /** The matched route, or null before routing and for requests no route matched. */
    public CompiledRoute route() {
        return route;
    }

    void route(CompiledRoute route, String[] params, String rest) {
        this.route = route;
        this.params = params;
        this.rest = rest;
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

    /** Who the request was authenticated as, or null (auth: none, or before authentication). */
    public Principal principal() {
        return principal;
    }

    /** Set by authentication once a credential is accepted. */
    public void principal(Principal principal) {
        this.principal = principal;
    }

    /** The request header whose credential authentication checked (the API-key header or Authorization), or null. */
    public String verifiedCredential() {
        return verifiedCredential;
    }

    /** Set by authentication: the header it took the credential from. */
    public void verifiedCredential(String header) {
        this.verifiedCredential = header;
    }

    public Target target() {
        return target;
    }

    /** Called by the proxy when it has chosen a target and starts the upstream exchange. */
    public void upstreamStarted(Target target) {
        this.target = target;
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

    /** Time from sending the request upstream to its response head, or -1 when there was none. */
    public long upstreamNanos() {
        return upstreamNanos;
    }

    /** The error code of a gateway-made error response ("upstream_timeout"…), or null. */
    public String error() {
        return error;
    }

    int filtersRun() {
        return filtersRun;
    }

    void filterRan() {
        filtersRun++;
    }

    /** Runs the response halves of the filters whose request halves ran, innermost first. */
    public void runResponseFilters() {
        GatewayFilter[] filters = route.filters();
        for (int i = filtersRun - 1; i >= 0; i--) {
            filters[i].onResponse(this);
        }
    }

    /**
     * Answers with a JSON error. Safe to call at any point: when the response has already begun, the
     * connection is closed instead, since a status can no longer be sent.
     */
    public void respondError(int status, String code, String message) {
        respondError(status, code, message, null, null);
    }

    public void respondError(int status, String code, String message, CharSequence extraHeader, String extraValue) {
        if (error == null) {
            error = code;
        }
        if (response.ended() || response.closed()) {
            return; // answered already (a timeout and a late failure can both try)
        }
        if (response.headWritten()) {
            response.reset(); // a status can no longer be sent: cut the response off
            return;
        }
        String body = Json.error(status, code, message, requestId);
        response.setStatusCode(status);
        response.headers().clear(); // anything an upstream response put there no longer applies
        response.headers()
                .set(HttpHeaders.CONTENT_TYPE, "application/json")
                .set(RequestIds.HEADER, requestId);
        if (extraHeader != null) {
            response.headers().set(extraHeader, extraValue);
        }
        boolean http1 = request.version() != io.vertx.core.http.HttpVersion.HTTP_2;
        if (http1 && ((hasBody && !request.isEnded()) || request.headers().contains(HttpHeaders.TRANSFER_ENCODING))) {
            // The client is still sending a body we will not read, or a Transfer-Encoding makes the framing of what
            // follows uncertain: close rather than read on. (HTTP/2 has no Connection header, RFC 9113 §8.2.2: the
            // response ends the stream, the connection stays.) Vert.x decides keep-alive from the request, so close
            // explicitly; and mark the connection first, since Vert.x hands over a pipelined request at end().
            ClosingConnections.mark(request);
            response.headers().set(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
            response.end(body).onComplete(v -> request.connection().close());
        } else {
            response.end(body);
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

    void onFinish(Handler<Exchange> onFinish) {
        this.onFinish = onFinish;
    }

    /** Called once, when the response is complete or the client went away. */
    void finish() {
        if (!finished) {
            finished = true;
            if (upstreamRequest != null && !response.ended()) {
                upstreamRequest.reset();
            }
            if (onFinish != null) {
                onFinish.handle(this);
            }
        }
    }

    public boolean isFinished() {
        return finished;
    }
}
