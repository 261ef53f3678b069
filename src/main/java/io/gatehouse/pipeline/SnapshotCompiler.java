package io.gatehouse.pipeline;

import io.gatehouse.auth.ApiKeyStore;
import io.gatehouse.auth.JwksKeys;
import io.gatehouse.auth.JwtVerifier;
import io.gatehouse.auth.TokenIssuer;
import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.RouteConfig;
import io.gatehouse.observe.GatewayMetrics;
import io.gatehouse.routing.PathPattern;
import io.gatehouse.routing.PathRewriter;
import io.gatehouse.routing.RouteTable;
import io.gatehouse.upstream.Upstream;
import io.gatehouse.upstream.UpstreamRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import io.vertx.core.Vertx;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Turns a validated config into a {@link GatewaySnapshot}: the route table, each route's filter chain, the upstreams. */
@ApplicationScoped
public class SnapshotCompiler {
    private final UpstreamRegistry upstreams;
    private final GatewayMetrics metrics;
    private final List<GatewayFilter> filters;

    private final Vertx vertx;
    private final JwksKeys.Settings jwksSettings;

    @Inject
    public SnapshotCompiler(UpstreamRegistry upstreams, GatewayMetrics metrics, @Any Instance<GatewayFilter> filters,
                            Vertx vertx,
                            @ConfigProperty(name = "gatehouse.jwks.refresh-interval", defaultValue = "5m") Duration jwksRefresh,
                            @ConfigProperty(name = "gatehouse.jwks.min-refetch-interval", defaultValue = "10s") Duration jwksMinRefetch,
                            @ConfigProperty(name = "gatehouse.jwks.timeout", defaultValue = "5s") Duration jwksTimeout) {
        this.vertx = vertx;
        this.jwksSettings = new JwksKeys.Settings(jwksRefresh, jwksMinRefetch, jwksTimeout);
        this.upstreams = upstreams;
        this.metrics = metrics;
        List<GatewayFilter> sorted = new ArrayList<>();
        filters.forEach(sorted::add);
        sorted.sort(Comparator.comparingInt(GatewayFilter::order));
        this.filters = List.copyOf(sorted);
    }

    public GatewaySnapshot compile(long version, String source, GatehouseConfig config) {
        return compile(version, source, config, null);
    }

    /** @param previous the live snapshot, whose JWT verifier is kept when token verification did not change */
    public GatewaySnapshot compile(long version, String source, GatehouseConfig config, GatewaySnapshot previous) {
        Map<String, Upstream> built = upstreams.build(config);
        List<RouteTable.Entry<CompiledRoute>> entries = new ArrayList<>();
        for (RouteConfig rc : config.routes()) {
            PathPattern pattern = PathPattern.parse(rc.path());
            PathRewriter rewriter = rc.rewrite() != null ? PathRewriter.template(rc.rewrite(), pattern)
                    : rc.stripPrefix() != null ? PathRewriter.stripPrefix(rc.stripPrefix())
                    : PathRewriter.identity();
            Upstream upstream = built.get(rc.upstream());
            GatewayFilter[] chain = filters.stream().filter(f -> f.appliesTo(rc)).toArray(GatewayFilter[]::new);
            long timeout = (rc.timeout() != null ? rc.timeout() : upstream.config().timeout()).toMillis();
            CompiledRoute route = new CompiledRoute(rc, pattern, rewriter, upstream, chain, metrics.forRoute(rc.id()),
                    rc.authenticated() ? metrics.forAuth(rc.id()) : null, timeout);
            entries.add(new RouteTable.Entry<>(pattern, rc.methods(), rc.host(), rc.headers(), rc.index(), route));
        }
        ApiKeyStore apiKeys = config.auth() != null && config.auth().apiKeys() != null
                ? ApiKeyStore.from(config.auth().apiKeys()) : null;
        JwtVerifier jwt = null;
        if (config.auth() != null && config.auth().bearerTokens()) {
            boolean keep = previous != null && previous.jwt() != null && previous.config().auth() != null
                    && JwtVerifier.sameVerification(previous.config().auth().jwt(), previous.config().auth().issuer(),
                    config.auth().jwt(), config.auth().issuer());
            jwt = keep ? previous.jwt() : JwtVerifier.from(config.auth().jwt(), config.auth().issuer(), vertx, jwksSettings);
        }
        TokenIssuer issuer = config.auth() != null && config.auth().issuer() != null
                ? TokenIssuer.from(config.auth().issuer()) : null;
        return new GatewaySnapshot(version, source, Instant.now(), config, RouteTable.compile(entries), built,
                metrics.unmatched(), apiKeys, jwt, issuer, TrustedProxies.of(config.server().trustedProxies()));
    }
}
