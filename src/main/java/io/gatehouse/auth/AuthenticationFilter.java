package io.gatehouse.auth;

import io.gatehouse.pipeline.AttributeKey;
import io.gatehouse.pipeline.Exchange;
import io.gatehouse.pipeline.GatewayFilter;
import io.gatehouse.pipeline.HeaderNames;
import io.gatehouse.pipeline.LocalReply;
import io.gatehouse.pipeline.UpstreamRequest;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;

import java.util.List;

/**
 * One route's authentication and authorization, compiled when the config is loaded ({@link AuthFilters}).
 * <ul>
 * <li>{@code api-key}: the key in the configured header must be one of {@code auth.api-keys}; a missing or unknown
 * key is answered with 401 and the challenge {@code ApiKey header="X-API-Key"}.</li>
 * <li>{@code jwt}: {@code Authorization: Bearer <token>} must verify against {@code auth.jwt}; missing is 401 with
 * {@code Bearer realm="gatehouse"}, a bad token 401 with {@code Bearer error="invalid_token", error_description=…}
 * (RFC 6750 §3).</li>
 * <li>{@code any}: whichever credential is presented — the API key when its header is there, otherwise the
 * bearer token; with neither, 401 with both challenges.</li>
 * <li>{@code mtls}: the connection must be TLS with a client certificate verified in the handshake
 * ({@code server.tls.client-auth}); without one, 401. The certificate's subject is the caller, and the upstream gets it
 * in {@code X-Forwarded-Client-Cert} (a header clients can never set: the proxy's header rules drop their copies).</li>
 * <li>{@code roles}: the caller must hold one of them, or 403.</li>
 * </ul>
 * The upstream is never called on a 401, and a presented credential is never echoed. A request with two copies
 * of a credential header is refused (400). An accepted credential puts its {@link Principal} on the exchange
 * ({@link Exchange#CALLER}). In the upstream-request phase the identity headers are set, and only the credential
 * that decided goes upstream (a forged bearer token riding along with a valid key never reaches an upstream that
 * would read it); with {@code forward-credentials: false}, none does.
 */
final class AuthenticationFilter implements GatewayFilter {
    @Override
    public String spanName() {
        return "authenticate";
    }

    static final String WWW_AUTHENTICATE = "WWW-Authenticate";
    static final String BEARER_CHALLENGE = "Bearer realm=\"gatehouse\"";
    private static final String BEARER = "Bearer ";
    /** The request header whose credential authentication checked (the API-key header or Authorization). */
    static final AttributeKey<String> VERIFIED_CREDENTIAL = AttributeKey.of("auth.verified-credential");
    /** On an {@code auth: mtls} route, the verified client certificate. */
    static final AttributeKey<ClientCertificate> CLIENT_CERTIFICATE = AttributeKey.of("auth.client-certificate");

    private final RouteAuth settings;
    private final boolean authenticates;
    private final boolean keysAllowed;
    private final boolean jwtAllowed;
    private final boolean mtls;
    /** The TLS port's client CAs now (auth: mtls): a resumed session's certificate is checked against them. */
    private final io.gatehouse.tls.ClientTrust clientTrust;
    private final List<String> roles;
    private final ApiKeyStore keys;
    private final JwtVerifier jwt;
    private final AuthMetrics metrics;
    /** The API-key header of the config (also removed when credentials stay here), or null. */
    private final String apiKeyHeader;

    AuthenticationFilter(RouteAuth settings, ApiKeyStore keys, JwtVerifier jwt, AuthMetrics metrics) {
        this(settings, keys, jwt, metrics, null);
    }

    AuthenticationFilter(RouteAuth settings, ApiKeyStore keys, JwtVerifier jwt, AuthMetrics metrics,
                         io.gatehouse.tls.ClientTrust clientTrust) {
        this.clientTrust = clientTrust;
        this.settings = settings;
        this.authenticates = settings.authenticated();
        String auth = settings.mode();
        this.keysAllowed = RouteAuth.API_KEY.equals(auth) || RouteAuth.ANY.equals(auth);
        this.jwtAllowed = RouteAuth.JWT.equals(auth) || RouteAuth.ANY.equals(auth);
        this.mtls = RouteAuth.MTLS.equals(auth);
        this.roles = settings.roles();
        this.keys = keys;
        this.jwt = jwt;
        this.metrics = metrics;
        this.apiKeyHeader = keys == null ? null : keys.header();
    }

    @Override
    public java.util.Set<Phase> phases() {
        return java.util.EnumSet.of(Phase.REQUEST, Phase.UPSTREAM_REQUEST);
    }

    RouteAuth settings() {
        return settings;
    }

    @Override
    public Future<LocalReply> onRequest(Exchange exchange) {
        if (!authenticates) {
            return CONTINUE; // on this route the filter only keeps credentials from the upstream
        }
        if (mtls) {
            ClientCertificate certificate = ClientCertificate.of(exchange.request(), clientTrust);
            if (certificate == null) {
                metrics.missing();
                return reply(LocalReply.error(401, "unauthorized", exchange.request().isSSL()
                        ? "this route needs a valid client certificate, from a CA the gateway trusts, presented in the "
                        + "TLS handshake"
                        : "this route needs a client certificate: connect over TLS (the HTTPS port) and present one"));
            }
            exchange.put(CLIENT_CERTIFICATE, certificate);
            return accept(exchange, certificate.principal(), null, null);
        }
        if ((keysAllowed && keys == null) || (jwtAllowed && jwt == null)) {
            // The config parser refuses such a route; refuse rather than let it through.
            metrics.invalid();
            return reply(LocalReply.error(401, "unauthorized", "the credentials this route needs are not configured"));
        }
        // Two copies of a credential header: which one counts would be up to each reader (the gateway checks the
        // first, an upstream framework may take the last). Refused, whichever is valid.
        String repeatedHeader = keysAllowed && repeated(exchange, keys.header()) ? keys.header()
                : jwtAllowed && repeated(exchange, HttpHeaders.AUTHORIZATION) ? "Authorization" : null;
        if (repeatedHeader != null) {
            metrics.invalid();
            return reply(LocalReply.error(400, "bad_request", "more than one " + repeatedHeader + " header"));
        }
        if (keysAllowed) {
            String presented = exchange.request().getHeader(keys.header());
            if (presented != null && !presented.isEmpty()) {
                exchange.put(VERIFIED_CREDENTIAL, keys.header());
                return accept(exchange, keys.find(presented), "the API key is not valid", keys.challenge());
            }
        }
        if (jwtAllowed) {
            String token = bearerToken(exchange.request().getHeader(HttpHeaders.AUTHORIZATION));
            if (token != null) {
                exchange.put(VERIFIED_CREDENTIAL, HttpHeaders.AUTHORIZATION.toString());
                Future<JwtVerifier.Result> pending = jwt.verifyAsync(token);
                if (pending.isComplete()) {
                    return pending.succeeded() ? verified(exchange, pending.result()) : Future.failedFuture(pending.cause());
                }
                // An unknown kid waits for the JWKS refetch, completed on whichever event loop fetched it: the
                // verdict is recorded on this request's own (the exchange is single-threaded).
                io.vertx.core.Promise<LocalReply> done = io.vertx.core.Promise.promise();
                pending.onComplete(ar -> exchange.resume(() -> {
                    if (ar.failed()) {
                        done.fail(ar.cause());
                    } else {
                        verified(exchange, ar.result()).onComplete(done);
                    }
                }));
                return done.future();
            }
        }
        metrics.missing();
        String message = !jwtAllowed ? "an API key is required in the " + keys.header() + " header"
                : !keysAllowed ? "a bearer token is required in the Authorization header"
                : "an API key in the " + keys.header() + " header or a bearer token is required";
        String challenge = !jwtAllowed ? keys.challenge()
                : !keysAllowed ? BEARER_CHALLENGE
                : BEARER_CHALLENGE + ", " + keys.challenge();
        return reply(LocalReply.error(401, "unauthorized", message).header(WWW_AUTHENTICATE, challenge));
    }

    @Override
    public Future<Void> onUpstreamRequest(Exchange exchange, UpstreamRequest request) {
        MultiMap headers = request.headers();
        Principal principal = (Principal) exchange.caller();
        if (principal != null) {
            AuthHeaders.setIdentity(headers, principal);
            ClientCertificate certificate = mtls ? exchange.get(CLIENT_CERTIFICATE) : null;
            if (certificate != null) {
                headers.set(ClientCertificate.HEADER, certificate.forwarded());
            }
        }
        if (!settings.forwardCredentials()) {
            AuthHeaders.keepOnly(headers, apiKeyHeader, null);
        } else if (principal != null) {
            // Only the credential that was verified goes on: not a forged token riding along with a valid key.
            AuthHeaders.keepOnly(headers, apiKeyHeader, exchange.get(VERIFIED_CREDENTIAL));
        }
        return DONE;
    }

    private static Future<LocalReply> reply(LocalReply reply) {
        return Future.succeededFuture(reply);
    }

    private static boolean repeated(Exchange exchange, CharSequence header) {
        // X_API_Key counts as a copy of X-API-Key: CGI-style upstreams read both as HTTP_X_API_KEY
        return HeaderNames.count(exchange.request().headers(), header) > 1;
    }

    private Future<LocalReply> verified(Exchange exchange, JwtVerifier.Result result) {
        if (result.ok()) {
            return accept(exchange, result.principal(), null, null);
        }
        switch (result.failure()) {
            case EXPIRED -> metrics.expired();
            case BAD_SIGNATURE -> metrics.badSignature();
            default -> metrics.invalid();
        }
        // Never echo the token: error bodies end up in client logs and screenshots.
        return reply(LocalReply.error(401, "unauthorized", result.description()).header(WWW_AUTHENTICATE,
                "Bearer error=\"invalid_token\", error_description=\"" + result.description() + "\""));
    }

    private Future<LocalReply> accept(Exchange exchange, Principal principal, String invalidMessage, String challenge) {
        if (principal == null) {
            metrics.invalid();
            // Never echo the presented key: error bodies end up in client logs and screenshots.
            return reply(LocalReply.error(401, "unauthorized", invalidMessage).header(WWW_AUTHENTICATE, challenge));
        }
        exchange.put(Exchange.CALLER, principal);
        if (!roles.isEmpty() && !principal.holdsAny(roles)) {
            metrics.forbidden();
            return reply(LocalReply.error(403, "forbidden", "the credential does not hold a role this route needs"));
        }
        metrics.ok();
        return CONTINUE;
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
