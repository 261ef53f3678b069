package io.gatehouse.upstream;

import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.UpstreamConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the upstreams of each config snapshot. Connection pools outlive snapshots: an upstream whose
 * connection settings did not change keeps its warm pools across a reload; a pool no snapshot uses any more
 * is closed once its in-flight requests are done (or after {@link #RETIRE_AFTER_MS} at the latest).
 */
@ApplicationScoped
public class UpstreamRegistry {
    private static final Logger LOG = Logger.getLogger(UpstreamRegistry.class);
    static final long RETIRE_AFTER_MS = 10 * 60 * 1000L;

    private final Vertx vertx;
    private final int eventLoops;
    private final Map<ClientSettings, UpstreamClient> clients = new HashMap<>();
    private final List<Retiring> retiring = new ArrayList<>();
    /** Target state by "upstream|url": kept across reloads for targets that stay. */
    private final Map<String, TargetState> states = new HashMap<>();
    /** Replaced whole under the lock, read without it: {@link #checkNow} runs on an event loop. */
    private volatile List<ActiveHealthChecker> checkers = List.of();
    private HttpClient healthClient;

    private record Retiring(UpstreamClient client, long since) {
    }

    @Inject
    public UpstreamRegistry(Vertx vertx, @ConfigProperty(name = "quarkus.vertx.event-loops-size") java.util.Optional<Integer> loops) {
        this.vertx = vertx;
        this.eventLoops = loops.orElse(2 * Runtime.getRuntime().availableProcessors());
        vertx.setPeriodic(1000, id -> closeDrainedClients());
    }

    /** Builds the upstreams of a config; call {@link #retainOnly} once the snapshot holding them is live. */
    public synchronized Map<String, Upstream> build(GatehouseConfig config) {
        Map<String, Upstream> result = new LinkedHashMap<>();
        for (UpstreamConfig uc : config.upstreams().values()) {
            List<Target> targets = uc.targets().stream()
                    .map(tc -> new Target(tc, states.computeIfAbsent(uc.name() + "|" + tc.url(), k -> new TargetState())))
                    .toList();
            for (Target t : targets) {
                TargetState state = t.state();
                if (uc.healthCheck() == null && !state.activeHealthy()) {
                    state.activeHealthy(true); // no checks any more: nothing could ever bring it back otherwise
                }
                if (uc.circuitBreaker() == null) {
                    state.breaker = null;
                    state.breakerOpen(false);
                } else if (state.breaker == null || !state.breaker.config.equals(uc.circuitBreaker())) {
                    state.breaker = new TargetBreaker(uc.circuitBreaker(), state, vertx, "upstream " + uc.name() + " target " + t.url());
                }
            }
            UpstreamClient client = clients.computeIfAbsent(ClientSettings.of(uc),
                    s -> new UpstreamClient(vertx, s, eventLoops));
            OutlierDetector outlier = uc.outlier() == null ? null : new OutlierDetector(uc.name(), uc.outlier(), targets, vertx);
            // Budget: retries up to 20% of requests, plus a reserve of 10 for quiet upstreams.
            RetryBudget budget = uc.retry() == null ? null : new RetryBudget(0.2, 10);
            result.put(uc.name(), new Upstream(uc, targets, BalancerFactory.create(uc, targets), client, outlier, budget));
        }
        return result;
    }

    /**
     * Called once a snapshot is live: restarts the active health checks for its upstreams (state is kept per
     * target, so a restart loses nothing), forgets targets that are gone, retires unused pools.
     */
    public synchronized void retainOnly(Map<String, Upstream> live) {
        checkers.forEach(ActiveHealthChecker::stop);
        List<ActiveHealthChecker> started = new ArrayList<>();
        Set<String> liveTargets = new HashSet<>();
        for (Upstream u : live.values()) {
            u.targets().forEach(t -> liveTargets.add(u.name() + "|" + t.url()));
            if (u.config().healthCheck() != null) {
                // an upstream with its own tls settings checks its targets with them; the others share one client
                HttpClient checks = u.config().tls() == null || u.config().tls().equals(UpstreamConfig.UpstreamTls.DEFAULT)
                        ? healthClient() : u.client().healthClient();
                ActiveHealthChecker checker = new ActiveHealthChecker(vertx, checks, u.name(),
                        u.config().healthCheck(), u.targets());
                started.add(checker);
                checker.start();
            }
        }
        checkers = List.copyOf(started);
        states.keySet().retainAll(liveTargets);
        Set<UpstreamClient> used = new HashSet<>();
        live.values().forEach(u -> used.add(u.client()));
        clients.entrySet().removeIf(e -> {
            if (!used.contains(e.getValue())) {
                retiring.add(new Retiring(e.getValue(), System.currentTimeMillis()));
                return true;
            }
            return false;
        });
    }

    /**
     * Runs the active health checks now, outside their schedule: of every upstream that has them, or of the one
     * named. Each result counts like a scheduled check's. Completes when every check has (each within its timeout).
     *
     * @return the results by upstream name (in config order); empty when no upstream (or not the one named) has checks
     */
    public Future<Map<String, List<HealthCheckResult>>> checkNow(String upstreamOrNull) {
        List<ActiveHealthChecker> chosen = checkers.stream()
                .filter(c -> upstreamOrNull == null || c.upstream().equals(upstreamOrNull)).toList();
        List<Future<List<HealthCheckResult>>> rounds = chosen.stream().map(ActiveHealthChecker::checkNow).toList();
        return Future.join(rounds).map(v -> {
            Map<String, List<HealthCheckResult>> byUpstream = new LinkedHashMap<>();
            for (int i = 0; i < chosen.size(); i++) {
                byUpstream.put(chosen.get(i).upstream(), rounds.get(i).result());
            }
            return byUpstream;
        });
    }

    private HttpClient healthClient() {
        if (healthClient == null) {
            healthClient = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setMaxPoolSize(4)
                    .setConnectTimeout(5000));
        }
        return healthClient;
    }

    private synchronized void closeDrainedClients() {
        long now = System.currentTimeMillis();
        retiring.removeIf(r -> {
            if (r.client().inFlight() == 0 || now - r.since() > RETIRE_AFTER_MS) {
                LOG.debugf("closing retired upstream connection pool (%d in flight)", r.client().inFlight());
                r.client().close();
                return true;
            }
            return false;
        });
    }
}
