package io.gatehouse.upstream;

import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.UpstreamConfig;
import io.vertx.core.Vertx;
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
            List<Target> targets = uc.targets().stream().map(Target::new).toList();
            UpstreamClient client = clients.computeIfAbsent(ClientSettings.of(uc),
                    s -> new UpstreamClient(vertx, s, eventLoops));
            result.put(uc.name(), new Upstream(uc, targets, BalancerFactory.create(uc, targets), client));
        }
        return result;
    }

    /** Retires every pool the given (live) upstreams do not use. */
    public synchronized void retainOnly(Map<String, Upstream> live) {
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
