package io.gatehouse.pipeline;

import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.RouteConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A feature that exists only in the tests, to prove the chain itself. It adds a global filter (on every request:
 * marks every answer in its response phase) and a filter on each route whose id starts with "filtered", whose
 * behaviour the request's {@code X-Test-*} headers choose:
 * <ul>
 * <li>{@code X-Test-Filter: stop}: a local 403;</li>
 * <li>{@code X-Test-Async: true}: every phase waits, its future completed from a thread outside Vert.x;</li>
 * <li>{@code X-Test-Replace-Failure: true}: a gateway-made failure is replaced by a 200 of the filter's own;</li>
 * <li>{@code X-Test-Body: upper | whole:N}: the body is upper-cased as it streams, or read whole within N bytes and
 * replaced by {@code whole:<length>} (over N it streams through untouched).</li>
 * </ul>
 * The filter of a route whose id starts with "filtered-preflight" says it answers preflights
 * ({@link GatewayFilter#answersPreflights()}), yet answers only as the headers above choose: the pipeline must still
 * never forward a preflight it routed by the method asked about.
 * Each request's completions are counted by request id ({@link #completions}); the thread of each phase is
 * recorded, and an answer says whether all ran on one thread ({@code X-Test-Threads}).
 */
@Singleton
public class TestFilters implements FilterFactory<TestFilters.Set> {
    static final AttributeKey<CopyOnWriteArrayList<Thread>> THREADS = AttributeKey.of("test.threads");
    /** Completions by request id, and the outcome of the last one. */
    static final Map<String, AtomicInteger> completions = new ConcurrentHashMap<>();
    static final Map<String, Exchange.Outcome> outcomes = new ConcurrentHashMap<>();
    private static final AtomicInteger instances = new AtomicInteger();

    @Inject
    Vertx vertx;

    @Override
    public int order() {
        return ORDER_TRANSFORM;
    }

    @Override
    public Set build(GatehouseConfig config, Set previous) {
        Map<String, RouteFilter> routes = new HashMap<>();
        for (RouteConfig route : config.routes()) {
            if (!route.id().startsWith("filtered")) {
                continue;
            }
            RouteFilter old = previous == null ? null : previous.routes.get(route.id());
            // state survives a reload that leaves the route's config alone
            routes.put(route.id(), old != null && old.config.equals(route) ? old : new RouteFilter(route, instances.incrementAndGet()));
        }
        return new Set(new Outer(), routes);
    }

    record Set(Outer outer, Map<String, RouteFilter> routes) implements FilterSet {
        @Override
        public GatewayFilter global() {
            return outer;
        }

        @Override
        public GatewayFilter forRoute(RouteConfig route) {
            return routes.get(route.id());
        }
    }

    /** In the global stage: the outermost response phase of this feature, on every answer. */
    static final class Outer implements GatewayFilter {
        @Override
        public java.util.Set<Phase> phases() {
            return java.util.EnumSet.of(Phase.RESPONSE, Phase.COMPLETE);
        }

        @Override
        public Future<Void> onResponse(Exchange exchange) {
            if (exchange.request().getHeader("X-Test-Outer") != null) {
                exchange.response().headers().set("X-Test-Outer", "seen:" + exchange.response().getStatusCode());
            }
            CopyOnWriteArrayList<Thread> threads = exchange.get(THREADS);
            if (threads != null) {
                // every phase of the route's filter, and this one after its waits, started on one thread
                threads.add(Thread.currentThread());
                exchange.response().headers().set("X-Test-Threads", threads.stream().distinct().count() == 1
                        ? "one:" + threads.size() : "several:" + threads);
            }
            return DONE;
        }

        @Override
        public void onComplete(Exchange exchange) {
            completions.computeIfAbsent(exchange.requestId(), id -> new AtomicInteger()).incrementAndGet();
            outcomes.put(exchange.requestId(), exchange.outcome());
        }
    }

    static final class RouteFilter implements GatewayFilter {
        final RouteConfig config;
        final int instance;

        RouteFilter(RouteConfig config, int instance) {
            this.config = config;
            this.instance = instance;
        }

        /** Records the thread, then waits (when asked) for a future completed on a thread outside Vert.x. */
        private static <T> Future<T> maybeLater(Exchange ex, T value) {
            CopyOnWriteArrayList<Thread> threads = ex.get(THREADS);
            if (threads == null) {
                threads = new CopyOnWriteArrayList<>();
                ex.put(THREADS, threads);
            }
            threads.add(Thread.currentThread());
            if (!"true".equals(ex.request().getHeader("X-Test-Async"))) {
                return Future.succeededFuture(value);
            }
            Promise<T> later = Promise.promise();
            Thread outside = new Thread(() -> {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                later.complete(value);
            });
            outside.setDaemon(true);
            outside.start();
            return later.future();
        }

        @Override
        public boolean answersPreflights() {
            return config.id().startsWith("filtered-preflight");
        }

        @Override
        public Future<LocalReply> onRequest(Exchange ex) {
            if ("stop".equals(ex.request().getHeader("X-Test-Filter"))) {
                return maybeLater(ex, LocalReply.error(403, "stopped_by_filter", "the test filter answered")
                        .header("X-Test-Local", "one").header("X-Test-Local", "two"));
            }
            return maybeLater(ex, null);
        }

        @Override
        public Future<Void> onUpstreamRequest(Exchange ex, UpstreamRequest request) {
            request.headers().set("X-Test-Attempt", String.valueOf(request.attempt()));
            return maybeLater(ex, null);
        }

        @Override
        public Future<Void> onUpstreamResponse(Exchange ex, UpstreamResponse response) {
            if (response.isFailure() && "true".equals(ex.request().getHeader("X-Test-Replace-Failure"))) {
                response.replaceWith(LocalReply.of(200, "text/plain", Buffer.buffer("served by the filter instead of "
                        + response.failure().errorCode())));
            }
            String body = ex.request().getHeader("X-Test-Body");
            if ("upper".equals(body)) {
                response.transformBody(chunk -> Buffer.buffer(chunk.toString().toUpperCase()));
            } else if (body != null && body.startsWith("whole:")) {
                long limit = Long.parseLong(body.substring(6));
                response.bufferBody(limit, new WholeBody() {
                    @Override
                    public Future<Buffer> onBody(Buffer whole) {
                        response.headers().set("X-Test-Whole", "read");
                        return Future.succeededFuture(Buffer.buffer("whole:" + whole.length()));
                    }

                    @Override
                    public boolean streamWhenOverBound() {
                        return true;
                    }
                });
            }
            return maybeLater(ex, null);
        }

        @Override
        public Future<Void> onResponse(Exchange ex) {
            ex.response().headers().set("X-Test-Filter", "passed:" + ex.route().id());
            ex.response().headers().set("X-Test-Instance", String.valueOf(instance));
            return maybeLater(ex, null);
        }
    }
}
