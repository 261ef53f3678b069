package io.gatehouse.upstream;

import io.gatehouse.config.OutlierConfig;
import io.vertx.core.Vertx;
import org.jboss.logging.Logger;

import java.util.List;

/**
 * Passive health for one upstream: the proxy reports how each real request went; a target that fails
 * {@code consecutive-failures} times in a row (connect error, reset, timeout, 5xx) is ejected for
 * {@code eject-for}, twice as long each time it offends again, then tried again. Never more than half of the
 * upstream's targets are ejected at once: past that, failures say more about the upstream than a target.
 */
public final class OutlierDetector {
    private static final Logger LOG = Logger.getLogger(OutlierDetector.class);

    private final String upstream;
    private final OutlierConfig config;
    private final List<Target> targets;
    private final Vertx vertx;

    OutlierDetector(String upstream, OutlierConfig config, List<Target> targets, Vertx vertx) {
        this.upstream = upstream;
        this.config = config;
        this.targets = targets;
        this.vertx = vertx;
    }

    public void success(Target target) {
        if (target.state().consecutiveFailures.get() != 0) {
            target.state().consecutiveFailures.set(0);
        }
    }

    public void failure(Target target) {
        if (target.state().consecutiveFailures.incrementAndGet() >= config.consecutiveFailures()) {
            tryEject(target);
        }
    }

    private synchronized void tryEject(Target target) {
        int ejected = 0;
        for (Target t : targets) {
            if (t.state().ejected()) {
                ejected++;
            }
        }
        if (ejected + 1 > targets.size() / 2) {
            return;
        }
        TargetState state = target.state();
        long duration = state.eject(config.ejectFor().toMillis(), System.currentTimeMillis());
        if (duration < 0) {
            return;
        }
        LOG.warnf("upstream %s: target %s ejected for %d ms after %d consecutive failures", upstream, target,
                duration, config.consecutiveFailures());
        vertx.setTimer(duration, id -> {
            state.endEjection(System.currentTimeMillis());
            LOG.infof("upstream %s: target %s back in rotation after its ejection", upstream, target);
        });
    }
}
