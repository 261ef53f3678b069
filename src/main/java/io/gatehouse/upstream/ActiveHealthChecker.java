package io.gatehouse.upstream;

import io.gatehouse.config.HealthCheckConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import org.jboss.logging.Logger;

import java.util.List;

/**
 * Active health checks for one upstream: every {@code interval}, a non-blocking GET of {@code path} on each
 * target (2xx and 3xx are healthy); {@code unhealthy-after} failures in a row take a target out of rotation,
 * {@code healthy-after} successes bring it back. The first round runs at once when the checker starts.
 */
final class ActiveHealthChecker {
    private static final Logger LOG = Logger.getLogger(ActiveHealthChecker.class);

    private final Vertx vertx;
    private final HttpClient client;
    private final String upstream;
    private final HealthCheckConfig config;
    private final List<Target> targets;
    private long timerId = -1;
    private volatile boolean stopped;

    ActiveHealthChecker(Vertx vertx, HttpClient client, String upstream, HealthCheckConfig config, List<Target> targets) {
        this.vertx = vertx;
        this.client = client;
        this.upstream = upstream;
        this.config = config;
        this.targets = targets;
    }

    void start() {
        vertx.runOnContext(v -> checkAll());
        timerId = vertx.setPeriodic(config.interval().toMillis(), id -> checkAll());
    }

    void stop() {
        stopped = true;
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }

    private void checkAll() {
        if (stopped) {
            return;
        }
        for (Target target : targets) {
            check(target);
        }
    }

    private void check(Target target) {
        long timeout = config.timeout().toMillis();
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setHost(target.host())
                .setPort(target.port())
                .setSsl(target.ssl())
                .setURI(config.path())
                .setConnectTimeout(timeout)
                .setIdleTimeout(timeout)
                .putHeader("Host", target.authority())
                .putHeader("User-Agent", "gatehouse-health-check");
        client.request(options)
                .compose(req -> req.send())
                .compose(resp -> resp.body().map(body -> resp.statusCode()))
                .onComplete(ar -> {
                    if (stopped) {
                        return;
                    }
                    boolean ok = ar.succeeded() && ar.result() >= 200 && ar.result() < 400;
                    if (target.state().checkResult(ok, config.unhealthyAfter(), config.healthyAfter())) {
                        if (ok) {
                            LOG.infof("upstream %s: target %s is healthy again", upstream, target);
                        } else {
                            LOG.warnf("upstream %s: target %s is unhealthy (%s)", upstream, target,
                                    ar.failed() ? ar.cause().toString() : "status " + ar.result());
                        }
                    }
                });
    }
}
