package io.gatehouse.auth;

import io.gatehouse.pipeline.Caller;
import io.gatehouse.pipeline.CallerIdentifier;
import io.gatehouse.pipeline.Exchange;
import io.gatehouse.pipeline.FilterSet;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * {@link CallerIdentifier} with the live snapshot's API keys and token verifier: the API key when its header is
 * there, else the bearer token, as on a route with {@code auth: any}.
 */
@Singleton
public class CredentialsCaller implements CallerIdentifier {
    private final AuthFeature feature;

    @Inject
    public CredentialsCaller(AuthFeature feature) {
        this.feature = feature;
    }

    @Override
    public Future<Caller> identify(Exchange exchange) {
        FilterSet set = exchange.snapshot().features().get(feature);
        if (!(set instanceof AuthFilters auth)) {
            return Future.succeededFuture();
        }
        if (auth.keys() != null) {
            String presented = exchange.request().getHeader(auth.keys().header());
            if (presented != null && !presented.isEmpty()) {
                Principal principal = auth.keys().find(presented);
                return principal != null ? Future.succeededFuture(principal)
                        : Future.failedFuture(new IllegalArgumentException("the API key is not valid"));
            }
        }
        String authorization = exchange.request().getHeader(HttpHeaders.AUTHORIZATION);
        if (auth.jwt() != null && authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return auth.jwt().verifyAsync(authorization.substring(7).trim()).compose(result -> result.ok()
                    ? Future.succeededFuture(result.principal())
                    : Future.failedFuture(new IllegalArgumentException("the bearer token is not valid")));
        }
        return Future.succeededFuture();
    }
}
