package io.gatehouse.auth;

import io.gatehouse.config.RouteConfig;
import io.gatehouse.observe.AuthMetrics;
import io.gatehouse.pipeline.CompiledRoute;
import io.gatehouse.pipeline.Exchange;
import io.gatehouse.pipeline.GatewayFilter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import jakarta.inject.Singleton;

/**
 * Authenticates requests on routes with {@code auth: api-key | jwt | any}.
 * <ul>
 * <li>{@code api-key}: the key in the configured header must be one of {@code auth.api-keys}; a missing or unknown
 * key is answered with 401 and the challenge {@code ApiKey header="X-API-Key"}.</li>
 * <li>{@code jwt}: {@code Authorization: Bearer <token>} must verify against {@code auth.jwt}; missing is 401 with
 * {@code Bearer realm="gatehouse"}, a bad token 401 with {@code Bearer error="invalid_token", error_description=…}
 * (RFC 6750 §3).</li>
 * <li>{@code any}: whichever credential is presented — the API key when its header is there, otherwise the
 * bearer token; with neither, 401 with both challenges.</li>
 * </ul>
 * The upstream is never called on a 401, and a presented credential is never echoed. A request with two copies
 * of a credential header is refused (400). Only the credential that decided goes upstream: the proxy removes the
 * other credential header ({@link Exchange#verifiedCredential()}), so a forged bearer token riding along with a
 * valid key never reaches an upstream that would read it. An accepted credential puts its
 * {@link Principal} on the exchange. Key store and verifier come from the request's snapshot (compiled once per
 * config), so a reload that changes them applies to new requests at once.
 */
@Singleton
public class AuthenticationFilter implements GatewayFilter {
    static final String WWW_AUTHENTICATE = "WWW-Authenticate";
    static final String BEARER_CHALLENGE = "Bearer realm=\"gatehouse\"";
    private static final String BEARER = "Bearer ";

    @Override
    public int order() {
        return ORDER_AUTHENTICATION;
    }

    @Override
    public boolean appliesTo(RouteConfig route) {
        return route.authenticated();
    }

    @Override
    public Future<Void> onRequest(Exchange exchange) {
        CompiledRoute route = exchange.route();
        AuthMetrics metrics = route.authMetrics();
        String auth = route.config().auth();
        ApiKeyStore keys = exchange.snapshot().apiKeys();
        JwtVerifier jwt = exchange.snapshot().jwt();
        boolean keysAllowed = RouteConfig.AUTH_API_KEY.equals(auth) || RouteConfig.AUTH_ANY.equals(auth);
        boolean jwtAllowed = RouteConfig.AUTH_JWT.equals(auth) || RouteConfig.AUTH_ANY.equals(auth);
        if ((keysAllowed && keys == null) || (jwtAllowed && jwt == null)) {
            // The config parser refuses such a route; refuse rather than let it through.
            metrics.invalid();
            exchange.respondError(401, "unauthorized", "the credentials this route needs are not configured");
            return Future.succeededFuture();
        }
        // Two copies of a credential header: which one counts would be up to each reader (the gateway checks the
        // first, an upstream framework may take the last). Refused, whichever is valid.
        String repeatedHeader = keysAllowed && repeated(exchange, keys.header()) ? keys.header()
                : jwtAllowed && repeated(exchange, HttpHeaders.AUTHORIZATION) ? "Authorization" : null;
        if (repeatedHeader != null) {
            metrics.invalid();
            exchange.respondError(400, "bad_request", "more than one " + repeatedHeader + " header");
            return Future.succeededFuture();
        }
        if (keysAllowed) {
            String presented = exchange.request().getHeader(keys.header());
            if (presented != null && !presented.isEmpty()) {
                exchange.verifiedCredential(keys.header());
                return accept(exchange, keys.find(presented), "the API key is not valid", keys.challenge());
            }
        }
        if (jwtAllowed) {
            String token = bearerToken(exchange.request().getHeader(HttpHeaders.AUTHORIZATION));
            if (token != null) {
                exchange.verifiedCredential(HttpHeaders.AUTHORIZATION.toString());
                return verify(exchange, jwt, token);
            }
        }
        metrics.missing();
        String message = !jwtAllowed ? "an API key is required in the " + keys.header() + " header"
                : !keysAllowed ? "a bearer token is required in the Authorization header"
                : "an API key in the " + keys.header() + " header or a bearer token is required";
        String challenge = !jwtAllowed ? keys.challenge()
                : !keysAllowed ? BEARER_CHALLENGE
                : BEARER_CHALLENGE + ", " + keys.challenge();
        exchange.respondError(401, "unauthorized", message, WWW_AUTHENTICATE, challenge);
        return Future.succeededFuture();
    }

    private static boolean repeated(Exchange exchange, CharSequence header) {
        // X_API_Key counts as a copy of X-API-Key: CGI-style upstreams read both as HTTP_X_API_KEY
        return io.gatehouse.pipeline.HeaderNames.count(exchange.request().headers(), header) > 1;
    }

    private static Future<Void> verify(Exchange exchange, JwtVerifier jwt, String token) {
        Future<JwtVerifier.Result> pending = jwt.verifyAsync(token);
        if (pending.isComplete()) {
            return verified(exchange, pending.result());
        }
        // An unknown kid: the JWKS is being refetched. Resume on this request's own context (event loop).
        Context context = Vertx.currentContext();
        Promise<Void> done = Promise.promise();
        pending.onComplete(ar -> {
            Runnable resume = () -> {
                if (ar.failed()) {
                    done.fail(ar.cause());
                } else {
                    verified(exchange, ar.result()).onComplete(done);
                }
            };
            if (context == null || Vertx.currentContext() == context) {
                resume.run();
            } else {
                context.runOnContext(v -> resume.run());
            }
        });
        return done.future();
    }

    private static Future<Void> verified(Exchange exchange, JwtVerifier.Result result) {
        if (result.ok()) {
            return accept(exchange, result.principal(), null, null);
        }
        AuthMetrics metrics = exchange.route().authMetrics();
        switch (result.failure()) {
            case EXPIRED -> metrics.expired();
            case BAD_SIGNATURE -> metrics.badSignature();
            default -> metrics.invalid();
        }
        // Never echo the token: error bodies end up in client logs and screenshots.
        exchange.respondError(401, "unauthorized", result.description(), WWW_AUTHENTICATE,
                "Bearer error=\"invalid_token\", error_description=\"" + result.description() + "\"");
        return Future.succeededFuture();
    }

    private static Future<Void> accept(Exchange exchange, Principal principal, String invalidMessage, String challenge) {
        CompiledRoute route = exchange.route();
        if (principal == null) {
            route.authMetrics().invalid();
            // Never echo the presented key: error bodies end up in client logs and screenshots.
            exchange.respondError(401, "unauthorized", invalidMessage, WWW_AUTHENTICATE, challenge);
            return Future.succeededFuture();
        }
        exchange.principal(principal);
        if (route.config().roles().isEmpty()) {
            route.authMetrics().ok(); // otherwise authorization records the request's outcome
        }
        return Future.succeededFuture();
    }

    /**
     * The token of an {@code Authorization: Bearer <token>} header (scheme case-insensitive), or null when the
     * header is absent, another scheme, or has no token: that counts as no credential (RFC 6750 §3.1).
     */
    static String bearerToken(String authorization) {
        if (authorization == null || authorization.length() <= BEARER.length()
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        String token = authorization.substring(BEARER.length()).trim();
        return token.isEmpty() ? null : token;
    }
}
