package io.gatehouse.auth;

import io.gatehouse.pipeline.Exchange;
import io.gatehouse.pipeline.GatewayFilter;
import io.gatehouse.pipeline.LocalReply;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code POST /auth/token} on the traffic port when {@code auth.issuer} is configured: the OAuth2 client credentials
 * grant (RFC 6749 §4.4) for API-key clients. The client authenticates with its API key — in the configured API-key
 * header, as {@code client_secret} (with {@code client_id} = the key's id) in the form, or as HTTP Basic
 * {@code client_id:client_secret} — and gets {@code {"access_token": …, "token_type": "Bearer", "expires_in": …}}.
 * Errors follow RFC 6749 §5.2: 400 {@code invalid_request} / {@code unsupported_grant_type}, 401
 * {@code invalid_client}, 413 for a body over {@value #MAX_BODY_BYTES} bytes.
 *
 * <p>A filter of the global stage, so the endpoint has what every request has (the access log, metrics under the
 * route label {@value #LABEL}, the drain count, global limits) and answers with a local reply. Without
 * {@code auth.issuer} it is not in the chain, and the path is routed like any other (404 unless a route matches).
 */
final class TokenEndpoint implements GatewayFilter {
    static final String PATH = "/auth/token";
    static final String LABEL = "auth-token";
    /** A client credentials form is a few dozen bytes; anything near this is not one. */
    static final int MAX_BODY_BYTES = 4096;
    private static final Logger LOG = Logger.getLogger(TokenEndpoint.class);
    private static final String FORM = "application/x-www-form-urlencoded";

    private final TokenIssuer issuer;
    private final ApiKeyStore keys;
    private final Vertx vertx;

    TokenEndpoint(TokenIssuer issuer, ApiKeyStore keys, Vertx vertx) {
        this.issuer = issuer;
        this.keys = keys;
        this.vertx = vertx;
    }

    @Override
    public java.util.Set<Phase> phases() {
        return java.util.EnumSet.of(Phase.REQUEST);
    }

    @Override
    public Future<LocalReply> onRequest(Exchange exchange) {
        HttpServerRequest request = exchange.request();
        if (request.method() != HttpMethod.POST || !PATH.equals(exchange.path())) {
            return CONTINUE;
        }
        exchange.label(LABEL);
        if (keys == null) {
            return Future.succeededFuture(error(500, "server_error", "no API keys are configured to issue tokens for"));
        }
        String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith(FORM)) {
            return Future.succeededFuture(error(400, "invalid_request", "the body must be " + FORM));
        }
        return readForm(exchange).transform(ar -> ar.failed()
                ? done(ar.cause() instanceof java.util.concurrent.TimeoutException
                        ? LocalReply.error(408, "request_timeout", "the request body stalled")
                        : error(400, "invalid_request", "the request body could not be read"))
                : ar.result() == null
                ? done(error(413, "invalid_request", "the request body is larger than " + MAX_BODY_BYTES + " bytes"))
                : answer(request, ar.result()));
    }

    /** The form, read within {@link #MAX_BODY_BYTES}; null when the body is larger. */
    private Future<Map<String, List<String>>> readForm(Exchange exchange) {
        HttpServerRequest request = exchange.request();
        if (!exchange.hasBody()) {
            return Future.succeededFuture(Map.of());
        }
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && (length.length() > 9 || Long.parseLong(length.trim()) > MAX_BODY_BYTES)) {
            return Future.succeededFuture(null); // (a Content-Length that is not a number was refused before)
        }
        Promise<Map<String, List<String>>> form = Promise.promise();
        Buffer body = Buffer.buffer();
        if ("100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))) {
            request.response().writeContinue();
        }
        // A client that stalls its form is answered as the proxy answers one that stalls a body it streams.
        long stallMillis = exchange.snapshot().config().server().clientBodyTimeout().toMillis();
        long timer = vertx.setTimer(stallMillis, id -> form.tryFail(new java.util.concurrent.TimeoutException()));
        form.future().onComplete(ar -> vertx.cancelTimer(timer));
        request.handler(chunk -> {
            body.appendBuffer(chunk);
            if (body.length() > MAX_BODY_BYTES) {
                request.handler(null);
                form.tryComplete(null);
            }
        });
        request.exceptionHandler(err -> form.tryFail(err));
        request.endHandler(v -> form.tryComplete(new QueryStringDecoder(body.toString(StandardCharsets.UTF_8), false)
                .parameters()));
        request.resume();
        return form.future();
    }

    private Future<LocalReply> answer(HttpServerRequest request, Map<String, List<String>> form) {
        for (String name : List.of("grant_type", "client_id", "client_secret")) {
            if (form.getOrDefault(name, List.of()).size() > 1) {
                return done(error(400, "invalid_request", name + " is given more than once"));
            }
        }
        String grant = first(form, "grant_type");
        if (grant == null || grant.isEmpty()) {
            return done(error(400, "invalid_request", "grant_type is required"));
        }
        if (!"client_credentials".equals(grant)) {
            return done(error(400, "unsupported_grant_type", "only grant_type=client_credentials is supported"));
        }
        // The client's credential: the API-key header, client_secret in the form, or HTTP Basic — exactly one.
        String headerKey = request.getHeader(keys.header());
        String clientId = first(form, "client_id");
        String secret = first(form, "client_secret");
        String basicId = null;
        String basicSecret = null;
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String pair = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
                        StandardCharsets.UTF_8);
                int colon = pair.indexOf(':');
                if (colon > 0) {
                    basicId = java.net.URLDecoder.decode(pair.substring(0, colon), StandardCharsets.UTF_8);
                    basicSecret = java.net.URLDecoder.decode(pair.substring(colon + 1), StandardCharsets.UTF_8);
                }
            } catch (IllegalArgumentException e) {
                // not Basic credentials: counted as none below
            }
            if (basicSecret == null) {
                return done(error(401, "invalid_client", "the Basic credentials are not client_id:client_secret"));
            }
        }
        int methods = (headerKey != null && !headerKey.isEmpty() ? 1 : 0) + (secret != null ? 1 : 0)
                + (basicSecret != null ? 1 : 0);
        if (methods > 1) {
            return done(error(400, "invalid_request", "use one way of client authentication (the " + keys.header()
                    + " header, client_secret or HTTP Basic)"));
        }
        Principal principal;
        if (methods == 0) {
            return done(error(401, "invalid_client", "client authentication is required: the API key in the "
                    + keys.header() + " header, or client_id and client_secret"));
        } else if (headerKey != null && !headerKey.isEmpty()) {
            principal = keys.find(headerKey);
            if (principal != null && clientId != null && !clientId.equals(principal.id())) {
                principal = null;
            }
        } else {
            String id = secret != null ? clientId : basicId;
            String key = secret != null ? secret : basicSecret;
            if (id == null || id.isEmpty()) {
                return done(error(400, "invalid_request", "client_id is required with client_secret"));
            }
            principal = keys.find(key);
            if (principal != null && !principal.id().equals(id)) {
                principal = null; // a valid key under another id: the pair is wrong
            }
        }
        if (principal == null) {
            // never echo what was presented
            return done(error(401, "invalid_client", "the client credentials are not valid"));
        }
        // Signing is RSA/EC work (about a millisecond for RS256): on a worker thread, not the event loop that
        // carries other clients' traffic. The chain resumes on the request's own event loop.
        Principal caller = principal;
        return vertx.executeBlocking(() -> issuer.issue(caller), false).transform(ar -> {
            if (ar.failed()) {
                LOG.errorf(ar.cause(), "signing a token for %s failed", caller.id());
                return done(error(500, "server_error", "the token could not be issued"));
            }
            JsonObject body = new JsonObject()
                    .put("access_token", ar.result())
                    .put("token_type", "Bearer")
                    .put("expires_in", issuer.expiresInSeconds());
            count("issued");
            return done(json(200, body));
        });
    }

    private static String first(Map<String, List<String>> form, String name) {
        List<String> values = form.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static Future<LocalReply> done(LocalReply reply) {
        return Future.succeededFuture(reply);
    }

    /** Token requests by outcome (issued, or the OAuth2 error code): rare enough to look the counter up each time. */
    private static void count(String outcome) {
        io.micrometer.core.instrument.Metrics.counter("gatehouse.auth.tokens", "outcome", outcome).increment();
    }

    private static LocalReply json(int status, JsonObject body) {
        return LocalReply.of(status, "application/json", body.toBuffer())
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .header("Pragma", "no-cache");
    }

    private LocalReply error(int status, String error, String description) {
        count(error);
        LocalReply reply = json(status, new JsonObject().put("error", error).put("error_description", description));
        if (status == 401) {
            String challenge = keys != null ? keys.challenge() : "ApiKey";
            reply.header("WWW-Authenticate", challenge + ", Basic realm=\"gatehouse\"");
        }
        return reply;
    }
}
