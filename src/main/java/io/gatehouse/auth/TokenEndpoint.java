package io.gatehouse.auth;

import io.gatehouse.pipeline.GatewaySnapshot;
import io.gatehouse.pipeline.GatewayState;
import io.gatehouse.pipeline.RequestIds;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * {@code POST /auth/token} on the traffic port when {@code auth.issuer} is configured: the OAuth2 client credentials
 * grant (RFC 6749 §4.4) for API-key clients. The client authenticates with its API key — in the configured API-key
 * header, as {@code client_secret} (with {@code client_id} = the key's id) in the form, or as HTTP Basic
 * {@code client_id:client_secret} — and gets {@code {"access_token": …, "token_type": "Bearer", "expires_in": …}}.
 * Errors follow RFC 6749 §5.2: 400 {@code invalid_request} / {@code unsupported_grant_type}, 401
 * {@code invalid_client}. Without {@code auth.issuer} the request goes on to the gateway like any other (404 unless a
 * route matches).
 */
@Singleton
public class TokenEndpoint {
    public static final String PATH = "/auth/token";
    /** A client credentials form is a few dozen bytes; anything near this is not one. */
    public static final long MAX_BODY_BYTES = 4096;
    private static final Logger LOG = Logger.getLogger(TokenEndpoint.class);
    private static final String FORM = "application/x-www-form-urlencoded";

    @Inject
    GatewayState state;

    /**
     * The first route's handler: on to the next route (body handler, endpoint) when issuing is on, else straight to
     * {@code orElse} (the gateway's catch-all), with the body untouched.
     */
    public Handler<RoutingContext> gate(Handler<RoutingContext> orElse) {
        return ctx -> {
            GatewaySnapshot snapshot = state.current();
            if (snapshot != null && snapshot.issuer() != null) {
                ctx.put(GatewaySnapshot.class.getName(), snapshot);
                ctx.next();
            } else {
                orElse.handle(ctx);
            }
        };
    }

    public static BodyHandler bodyHandler() {
        return BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES).setMergeFormAttributes(false)
                .setHandleFileUploads(false);
    }

    /** Renders the failures of the route (a body over the limit: 413) as OAuth2 JSON errors. */
    public void failure(RoutingContext ctx) {
        int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
        if (ctx.response().headWritten()) {
            ctx.response().reset();
            return;
        }
        if (status == 413) {
            error(ctx, 413, "invalid_request", "the request body is larger than " + MAX_BODY_BYTES + " bytes");
        } else if (status >= 500) {
            LOG.errorf(ctx.failure(), "token endpoint failed");
            error(ctx, 500, "server_error", "the token could not be issued");
        } else {
            error(ctx, status, "invalid_request", "the request is not valid");
        }
    }

    public void handle(RoutingContext ctx) {
        GatewaySnapshot snapshot = ctx.get(GatewaySnapshot.class.getName());
        TokenIssuer issuer = snapshot.issuer();
        ApiKeyStore keys = snapshot.apiKeys();
        HttpServerRequest request = ctx.request();
        String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith(FORM)) {
            error(ctx, 400, "invalid_request", "the body must be " + FORM);
            return;
        }
        MultiMap form = request.formAttributes();
        for (String name : List.of("grant_type", "client_id", "client_secret")) {
            if (form.getAll(name).size() > 1) {
                error(ctx, 400, "invalid_request", name + " is given more than once");
                return;
            }
        }
        String grant = form.get("grant_type");
        if (grant == null || grant.isEmpty()) {
            error(ctx, 400, "invalid_request", "grant_type is required");
            return;
        }
        if (!"client_credentials".equals(grant)) {
            error(ctx, 400, "unsupported_grant_type", "only grant_type=client_credentials is supported");
            return;
        }
        // The client's credential: the API-key header, client_secret in the form, or HTTP Basic — exactly one.
        String headerKey = request.getHeader(keys.header());
        String clientId = form.get("client_id");
        String secret = form.get("client_secret");
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
                error(ctx, 401, "invalid_client", "the Basic credentials are not client_id:client_secret");
                return;
            }
        }
        int methods = (headerKey != null && !headerKey.isEmpty() ? 1 : 0) + (secret != null ? 1 : 0)
                + (basicSecret != null ? 1 : 0);
        if (methods > 1) {
            error(ctx, 400, "invalid_request", "use one way of client authentication (the " + keys.header()
                    + " header, client_secret or HTTP Basic)");
            return;
        }
        Principal principal;
        if (methods == 0) {
            error(ctx, 401, "invalid_client", "client authentication is required: the API key in the " + keys.header()
                    + " header, or client_id and client_secret");
            return;
        } else if (headerKey != null && !headerKey.isEmpty()) {
            principal = keys.find(headerKey);
            if (principal != null && clientId != null && !clientId.equals(principal.id())) {
                principal = null;
            }
        } else {
            String id = secret != null ? clientId : basicId;
            String key = secret != null ? secret : basicSecret;
            if (id == null || id.isEmpty()) {
                error(ctx, 400, "invalid_request", "client_id is required with client_secret");
                return;
            }
            principal = keys.find(key);
            if (principal != null && !principal.id().equals(id)) {
                principal = null; // a valid key under another id: the pair is wrong
            }
        }
        if (principal == null) {
            // never echo what was presented
            error(ctx, 401, "invalid_client", "the client credentials are not valid");
            return;
        }
        // Signing is RSA/EC work (about a millisecond for RS256): on a worker thread, not the event loop that
        // carries other clients' traffic. The answer is written back on the request's own context.
        Principal caller = principal;
        ctx.vertx().executeBlocking(() -> issuer.issue(caller), false).onComplete(ar -> {
            if (ar.failed()) {
                LOG.errorf(ar.cause(), "signing a token for %s failed", caller.id());
                error(ctx, 500, "server_error", "the token could not be issued");
                return;
            }
            JsonObject body = new JsonObject()
                    .put("access_token", ar.result())
                    .put("token_type", "Bearer")
                    .put("expires_in", issuer.expiresInSeconds());
            response(ctx, 200).end(body.encode());
            count("issued");
        });
    }

    /** Token requests by outcome (issued, or the OAuth2 error code): rare enough to look the counter up each time. */
    private static void count(String outcome) {
        io.micrometer.core.instrument.Metrics.counter("gatehouse.auth.tokens", "outcome", outcome).increment();
    }

    private static HttpServerResponse response(RoutingContext ctx, int status) {
        HttpServerRequest request = ctx.request();
        return ctx.response().setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .putHeader("Pragma", "no-cache")
                .putHeader(RequestIds.HEADER, RequestIds.fromOrNew(request.getHeader(RequestIds.HEADER)));
    }

    private static void error(RoutingContext ctx, int status, String error, String description) {
        count(error);
        HttpServerResponse response = response(ctx, status);
        if (status == 401) {
            GatewaySnapshot snapshot = ctx.get(GatewaySnapshot.class.getName());
            String challenge = snapshot != null && snapshot.apiKeys() != null ? snapshot.apiKeys().challenge()
                    : "ApiKey";
            response.putHeader("WWW-Authenticate", challenge + ", Basic realm=\"gatehouse\"");
        }
        response.end(new JsonObject().put("error", error).put("error_description", description).encode());
    }
}
