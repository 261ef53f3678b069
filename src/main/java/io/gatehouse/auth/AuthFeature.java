package io.gatehouse.auth;

import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.RouteConfig;
import io.gatehouse.pipeline.FilterFactory;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Compiles {@code auth:} and each route's {@code auth}, {@code roles} and {@code forward-credentials} into
 * {@link AuthFilters}. A reload that leaves token verification alone keeps the verifier (its fetched JWKS and its
 * cache of verified tokens); a route whose auth settings did not change keeps its filter.
 */
@Singleton
public class AuthFeature implements FilterFactory<AuthFilters> {
    private final Vertx vertx;
    private final JwksKeys.Settings jwksSettings;
    private final MeterRegistry registry;
    @Inject
    io.gatehouse.tls.ClientTrust clientTrust;

    @Inject
    public AuthFeature(Vertx vertx, MeterRegistry global, Instance<PrometheusMeterRegistry> prometheus,
                       @ConfigProperty(name = "gatehouse.jwks.refresh-interval", defaultValue = "5m") Duration jwksRefresh,
                       @ConfigProperty(name = "gatehouse.jwks.min-refetch-interval", defaultValue = "10s") Duration jwksMinRefetch,
                       @ConfigProperty(name = "gatehouse.jwks.timeout", defaultValue = "5s") Duration jwksTimeout) {
        this.vertx = vertx;
        this.jwksSettings = new JwksKeys.Settings(jwksRefresh, jwksMinRefetch, jwksTimeout);
        this.registry = prometheus.isResolvable() ? prometheus.get() : global;
    }

    @Override
    public int order() {
        return ORDER_AUTHENTICATION;
    }

    @Override
    public AuthFilters build(GatehouseConfig config, AuthFilters previous) {
        AuthConfig auth = AuthConfigExtension.of(config);
        boolean sameKeys = previous != null && previous.config() != null && auth != null
                && Objects.equals(previous.config().apiKeys(), auth.apiKeys());
        ApiKeyStore keys = sameKeys ? previous.keys()
                : auth != null && auth.apiKeys() != null ? ApiKeyStore.from(auth.apiKeys()) : null;
        JwtVerifier jwt = null;
        if (auth != null && auth.bearerTokens()) {
            boolean keep = previous != null && previous.jwt() != null && previous.config() != null
                    && JwtVerifier.sameVerification(previous.config().jwt(), previous.config().issuer(),
                    auth.jwt(), auth.issuer());
            jwt = keep ? previous.jwt() : JwtVerifier.from(auth.jwt(), auth.issuer(), vertx, jwksSettings);
        }
        TokenIssuer issuer = auth != null && auth.issuer() != null ? TokenIssuer.from(auth.issuer()) : null;
        Map<String, AuthenticationFilter> routes = new HashMap<>();
        for (RouteConfig route : config.routes()) {
            RouteAuth settings = AuthConfigExtension.of(route);
            if (!settings.authenticated() && settings.forwardCredentials()) {
                continue; // nothing to do on this route
            }
            AuthenticationFilter old = previous == null ? null : previous.routes().get(route.id());
            if (old != null && sameKeys && jwt == previous.jwt() && old.settings().equals(settings)) {
                routes.put(route.id(), old);
                continue;
            }
            routes.put(route.id(), new AuthenticationFilter(settings, keys, jwt,
                    settings.authenticated() ? AuthMetrics.register(registry, route.id()) : null, clientTrust));
        }
        AuthMetrics.retainOnly(registry, config.routes().stream()
                .filter(route -> AuthConfigExtension.of(route).authenticated())
                .map(RouteConfig::id).collect(Collectors.toSet()));
        return new AuthFilters(auth, keys, jwt, issuer, Map.copyOf(routes),
                issuer == null ? null : new TokenEndpoint(issuer, keys, vertx));
    }

}
