package io.gatehouse.admin;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Recent rates and latencies of this replica, for {@code /admin/metrics} and the status page, computed from the
 * gateway's own Micrometer meters (the ones {@code /q/metrics} exports): once a second their cumulative counts are
 * read and kept for {@link #KEEP_SECONDS}; a window's numbers are the difference between now and the sample taken
 * that long ago. The hot path records exactly what it recorded before: nothing here adds to a request's cost.
 *
 * <p>Latency percentiles come from the meters' fixed histogram buckets (1 ms … 30 s), interpolated inside the bucket
 * as Prometheus' {@code histogram_quantile} does: an estimate, exact to the bucket.
 */
@Singleton
public class MetricsSampler {
    static final int KEEP_SECONDS = 60;
    static final String ROUTE_REQUESTS = "gatehouse.requests";
    static final String ROUTE_DURATION = "gatehouse.request.duration";
    static final String TARGET_REQUESTS = "gatehouse.upstream.requests";
    static final String TARGET_DURATION = "gatehouse.upstream.target.duration";
    static final String[] STATUS_CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};

    private final MeterRegistry registry;
    private final Vertx vertx;
    private final Deque<Sample> samples = new ArrayDeque<>();
    private long timerId = -1;

    /** The cumulative counts of one route or target at one moment. */
    static final class Reading {
        final double[] statusClasses = new double[STATUS_CLASSES.length];
        double successes;
        double failures;
        double[] bounds = new double[0];
        double[] cumulative = new double[0];
        double latencyCount;

        double requests() {
            double n = successes + failures;
            for (double c : statusClasses) {
                n += c;
            }
            return n;
        }

        double errors() {
            return statusClasses[4] + failures;
        }
    }

    record Sample(long nanos, Map<String, Reading> routes, Map<String, Reading> targets) {
    }

    /** The numbers of one route or target over a window. */
    record Window(double seconds, double requests, double errors, double clientErrors, double p50, double p90, double p99) {
        double perSecond() {
            return seconds <= 0 ? 0 : requests / seconds;
        }

        double errorRate() {
            return requests <= 0 ? 0 : errors / requests;
        }
    }

    @Inject
    public MetricsSampler(MeterRegistry global, Instance<PrometheusMeterRegistry> prometheus, Vertx vertx) {
        // the registry the gateway's meters live in (see observe.GatewayMetrics)
        this.registry = prometheus.isResolvable() ? prometheus.get() : global;
        this.vertx = vertx;
    }

    void installed(@Observes io.gatehouse.pipeline.SnapshotInstalled event) {
        synchronized (this) {
            if (timerId >= 0) {
                return;
            }
            timerId = vertx.setPeriodic(1000, id -> sample());
        }
        sample();
    }

    void stop(@Observes ShutdownEvent event) {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }

    void sample() {
        Sample now = read(); // outside the lock: a status poll on another event loop never waits for the meters
        synchronized (this) {
            samples.addLast(now);
            while (samples.size() > 1 && now.nanos() - samples.peekFirst().nanos() > TimeUnit.SECONDS.toNanos(KEEP_SECONDS + 1)) {
                samples.removeFirst();
            }
        }
    }

    /** The counts now (read at once, not from the periodic samples) and the oldest sample within the window. */
    Sample[] window(int seconds) {
        Sample now = read();
        Sample from = null;
        long limit = now.nanos() - TimeUnit.SECONDS.toNanos(seconds);
        synchronized (this) {
            for (Sample s : samples) {
                if (s.nanos() >= limit - TimeUnit.MILLISECONDS.toNanos(500)) {
                    from = s;
                    break;
                }
            }
        }
        return new Sample[] {from == null ? new Sample(now.nanos(), Map.of(), Map.of()) : from, now};
    }

    /** What happened between two readings (a missing earlier one counts as zero: the meter is newer). */
    static Window between(Sample from, Sample to, Reading earlier, Reading later) {
        double seconds = (to.nanos() - from.nanos()) / 1e9;
        if (later == null) {
            return new Window(seconds, 0, 0, 0, Double.NaN, Double.NaN, Double.NaN);
        }
        Reading before = earlier == null ? new Reading() : earlier;
        double requests = Math.max(0, later.requests() - before.requests());
        double errors = Math.max(0, later.errors() - before.errors());
        double clientErrors = Math.max(0, later.statusClasses[3] - before.statusClasses[3]);
        double[] counts = new double[later.cumulative.length];
        for (int i = 0; i < counts.length; i++) {
            double b = before.cumulative.length == counts.length ? before.cumulative[i] : 0;
            counts[i] = Math.max(0, later.cumulative[i] - b);
        }
        double total = Math.max(0, later.latencyCount - before.latencyCount);
        return new Window(seconds, requests, errors, clientErrors, quantile(0.5, later.bounds, counts, total),
                quantile(0.9, later.bounds, counts, total), quantile(0.99, later.bounds, counts, total));
    }

    /**
     * The q-quantile (ms) of {@code total} values, {@code counts[i]} of them at most {@code bounds[i]} ms
     * (cumulative), interpolated linearly inside the bucket; NaN with no values; the last bound when it lies above.
     */
    static double quantile(double q, double[] bounds, double[] counts, double total) {
        if (total <= 0 || bounds.length == 0) {
            return Double.NaN;
        }
        double rank = q * total;
        double lower = 0;
        double below = 0;
        for (int i = 0; i < bounds.length; i++) {
            if (counts[i] >= rank && counts[i] > below) {
                return lower + (bounds[i] - lower) * (rank - below) / (counts[i] - below);
            }
            lower = bounds[i];
            below = counts[i];
        }
        return bounds[bounds.length - 1];
    }

    private Sample read() {
        Map<String, Reading> routes = new TreeMap<>();
        Map<String, Reading> targets = new LinkedHashMap<>();
        for (Meter meter : registry.getMeters()) {
            String name = meter.getId().getName();
            switch (name) {
                case ROUTE_REQUESTS -> {
                    String route = meter.getId().getTag("route");
                    String statusClass = meter.getId().getTag("status_class");
                    if (route != null && statusClass != null && meter instanceof Counter c) {
                        int i = java.util.Arrays.asList(STATUS_CLASSES).indexOf(statusClass);
                        if (i >= 0) {
                            routes.computeIfAbsent(route, k -> new Reading()).statusClasses[i] += c.count();
                        }
                    }
                }
                case ROUTE_DURATION -> {
                    String route = meter.getId().getTag("route");
                    if (route != null && meter instanceof Timer t) {
                        histogram(routes.computeIfAbsent(route, k -> new Reading()), t);
                    }
                }
                case TARGET_REQUESTS -> {
                    String key = targetKey(meter);
                    if (key != null && meter instanceof Counter c) {
                        Reading r = targets.computeIfAbsent(key, k -> new Reading());
                        if ("failure".equals(meter.getId().getTag("outcome"))) {
                            r.failures += c.count();
                        } else {
                            r.successes += c.count();
                        }
                    }
                }
                case TARGET_DURATION -> {
                    String key = targetKey(meter);
                    if (key != null && meter instanceof Timer t) {
                        histogram(targets.computeIfAbsent(key, k -> new Reading()), t);
                    }
                }
                default -> {
                }
            }
        }
        return new Sample(System.nanoTime(), routes, targets);
    }

    static String targetKey(String upstream, String url) {
        return upstream + "|" + url;
    }

    private static String targetKey(Meter meter) {
        String upstream = meter.getId().getTag("upstream");
        String target = meter.getId().getTag("target");
        return upstream == null || target == null ? null : targetKey(upstream, target);
    }

    private static void histogram(Reading into, Timer timer) {
        HistogramSnapshot snapshot = timer.takeSnapshot();
        CountAtBucket[] buckets = snapshot.histogramCounts();
        into.bounds = new double[buckets.length];
        into.cumulative = new double[buckets.length];
        for (int i = 0; i < buckets.length; i++) {
            into.bounds[i] = buckets[i].bucket(TimeUnit.MILLISECONDS);
            into.cumulative[i] = buckets[i].count();
        }
        into.latencyCount = snapshot.count();
    }
}
