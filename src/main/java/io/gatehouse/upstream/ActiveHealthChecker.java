package io.gatehouse.upstream;

import io.gatehouse.config.HealthCheckConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import org.jboss.logging.Logger;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.time.Instant;
import java.util.ArrayList;
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

    String upstream() {
        return upstream;
    }

    /** One round now, besides the scheduled ones (the admin API's {@code POST /admin/health/check}). */
    Future<List<HealthCheckResult>> checkNow() {
        List<Future<HealthCheckResult>> rounds = new ArrayList<>(targets.size());
        for (Target target : targets) {
            rounds.add(check(target));
        }
        return Future.join(rounds).transform(ar -> Future.succeededFuture(rounds.stream().map(Future::result).toList()));
    }

    /** Checks one target and counts the result; never fails, and completes within the check's timeout (+ slack). */
    private Future<HealthCheckResult> check(Target target) {
        long timeout = config.timeout().toMillis();
        long started = System.nanoTime();
        Promise<HealthCheckResult> done = Promise.promise();
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
        // a body that trickles in resets the idle timeout: the whole check is bounded here as well
        // result() counts the check: whichever of the guard and the answer comes second (maybe on another thread)
        // must not count it again
        java.util.concurrent.atomic.AtomicBoolean settled = new java.util.concurrent.atomic.AtomicBoolean();
        long guard = vertx.setTimer(timeout + 50, id -> {
            if (settled.compareAndSet(false, true)) {
                done.complete(result(target, false, 0, "timed out after " + timeout + " ms", started));
            }
        });
        client.request(options)
                .compose(req -> req.send())
                .compose(resp -> resp.body().map(body -> resp.statusCode()))
                .onComplete(ar -> {
                    vertx.cancelTimer(guard);
                    if (!settled.compareAndSet(false, true)) {
                        return; // the guard counted it as timed out already
                    }
                    boolean ok = ar.succeeded() && ar.result() >= 200 && ar.result() < 400;
                    done.complete(result(target, ok, ar.succeeded() ? ar.result() : 0,
                            ar.failed() ? describe(ar.cause()) : null, started));
                });
        return done.future();
    }

    private HealthCheckResult result(Target target, boolean ok, int status, String error, long started) {
        long millis = (System.nanoTime() - started) / 1_000_000;
        if (!stopped && target.state().checkResult(ok, config.unhealthyAfter(), config.healthyAfter())) {
            if (ok) {
                LOG.infof("upstream %s: target %s is healthy again", upstream, target);
            } else {
                LOG.warnf("upstream %s: target %s is unhealthy (%s)", upstream, target,
                        error != null ? error : "status " + status);
            }
        }
        HealthCheckResult result = new HealthCheckResult(target.url(), ok, status, error, millis, Instant.now(),
                target.state().activeHealthy());
        if (!stopped) {
            target.state().lastCheck(result);
        }
        return result;
    }

    private static String describe(Throwable cause) {
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
