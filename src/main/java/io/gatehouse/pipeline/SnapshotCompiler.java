package io.gatehouse.pipeline;

import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.RouteConfig;
import io.gatehouse.routing.PathPattern;
import io.gatehouse.routing.PathRewriter;
import io.gatehouse.routing.RouteTable;
import io.gatehouse.upstream.Upstream;
import io.gatehouse.upstream.UpstreamRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a validated config into a {@link GatewaySnapshot}: the upstreams, each feature's compiled state (from every
 * {@link FilterFactory} bean, in their order), the global stage and each route's chain, the route table.
 */
@ApplicationScoped
public class SnapshotCompiler {
    private final UpstreamRegistry upstreams;
    private final List<FilterFactory<?>> factories;
    private final List<FilterFactory<?>> byRouteOrder;

    @Inject
    public SnapshotCompiler(UpstreamRegistry upstreams, @Any Instance<FilterFactory<?>> factories) {
        this.upstreams = upstreams;
        List<FilterFactory<?>> sorted = new ArrayList<>();
        factories.forEach(sorted::add);
        sorted.sort(Comparator.comparingInt(FilterFactory::order));
        this.factories = List.copyOf(sorted);
        sorted.sort(Comparator.comparingInt(FilterFactory::routeOrder)); // stable: equal places keep the order above
        this.byRouteOrder = List.copyOf(sorted);
    }

    public GatewaySnapshot compile(long version, String source, GatehouseConfig config) {
        return compile(version, source, config, null);
    }

    /** @param previous the live snapshot, whose features' state the factories may take over */
    public GatewaySnapshot compile(long version, String source, GatehouseConfig config, GatewaySnapshot previous) {
        Map<String, Upstream> built = upstreams.build(config);
        Map<FilterFactory<?>, FilterSet> features = new IdentityHashMap<>();
        List<FilterSet> sets = new ArrayList<>(factories.size());
        for (FilterFactory<?> factory : factories) {
            FilterSet set = build(factory, config, previous == null ? null : previous.features().get(factory));
            features.put(factory, set);
            sets.add(set);
        }
        List<GatewayFilter> global = new ArrayList<>();
        for (FilterSet set : sets) {
            GatewayFilter filter = set.global();
            if (filter != null) {
                global.add(filter);
            }
        }
        GatewayFilter[] globalFilters = global.toArray(GatewayFilter[]::new);
        List<FilterSet> routeSets = new ArrayList<>(sets.size());
        for (FilterFactory<?> factory : byRouteOrder) {
            routeSets.add(features.get(factory));
        }
        List<RouteTable.Entry<CompiledRoute>> entries = new ArrayList<>();
        for (RouteConfig rc : config.routes()) {
            PathPattern pattern = PathPattern.parse(rc.path());
            PathRewriter rewriter = rc.rewrite() != null ? PathRewriter.template(rc.rewrite(), pattern)
                    : rc.stripPrefix() != null ? PathRewriter.stripPrefix(rc.stripPrefix())
                    : PathRewriter.identity();
            Upstream upstream = built.get(rc.upstream());
            List<GatewayFilter> chain = new ArrayList<>(global);
            for (FilterSet set : routeSets) {
                GatewayFilter filter = set == null ? null : set.forRoute(rc);
                if (filter != null) {
                    chain.add(filter);
                }
            }
            long timeout = (rc.timeout() != null ? rc.timeout() : upstream.config().timeout()).toMillis();
            GatewayFilter[] filters = chain.toArray(GatewayFilter[]::new);
            CompiledRoute route = new CompiledRoute(rc, pattern, rewriter, upstream, filters, timeout, entries.size(),
                    FilterChain.phasesOf(filters));
            entries.add(new RouteTable.Entry<>(pattern, rc.methods(), rc.host(), rc.headers(), rc.index(), route));
        }
        return new GatewaySnapshot(version, source, Instant.now(), config, RouteTable.compile(entries),
                entries.stream().map(RouteTable.Entry::value).toList(), built,
                globalFilters, FilterChain.phasesOf(globalFilters), features, TrustedProxies.of(config.server().trustedProxies()), new GatewaySnapshot.Usage());
    }

    @SuppressWarnings("unchecked")
    private static <S extends FilterSet> S build(FilterFactory<S> factory, GatehouseConfig config, FilterSet previous) {
        return factory.build(config, (S) previous);
    }
}
