package io.gatehouse.upstream;

import io.netty.util.concurrent.FastThreadLocal;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.gatehouse.config.UpstreamConfig;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The keep-alive connection pools to an upstream's targets: one Vert.x {@link HttpClient} per event loop, so
 * a request and the upstream connection it uses always live on the same thread (a shared pool hands
 * connections across event loops, and every event then hops threads). The per-target connection cap is
 * split between the event loops.
 */
public final class UpstreamClient {
    private final Vertx vertx;
    private final HttpClientOptions options;
    private final PoolOptions poolOptions;
    private final List<HttpClient> created = new CopyOnWriteArrayList<>();
    /** Summed only when a retired pool is checked for drained: a LongAdder keeps event loops off one cache line. */
    private final java.util.concurrent.atomic.LongAdder inFlight = new java.util.concurrent.atomic.LongAdder();
    /** Slot i belongs to the i-th thread that asked; threads past the last slot share the last one. */
    private final AtomicReferenceArray<HttpClient> perThread;
    private volatile boolean closed;
    private HttpClient healthClient;
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(UpstreamClient.class);

    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final FastThreadLocal<Integer> THREAD_SLOT = new FastThreadLocal<>() {
        @Override
        protected Integer initialValue() {
            return THREADS.getAndIncrement();
        }
    };

    UpstreamClient(Vertx vertx, ClientSettings settings, int eventLoops) {
        this.vertx = vertx;
        this.options = new HttpClientOptions()
                .setKeepAlive(true)
                .setKeepAliveTimeout(60)
                .setPipelining(false)
                .setTcpNoDelay(true)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, settings.connectTimeout().toMillis()))
                .setMaxHeaderSize(64 * 1024)
                .setMaxInitialLineLength(16 * 1024)
                .setDecompressionSupported(false)
                .setTryUseCompression(false)
                .setVerifyHost(true)
                // the proxy makes each attempt's client span and sends its traceparent itself (RequestTrace)
                .setTracingPolicy(io.vertx.core.tracing.TracingPolicy.IGNORE);
        tls(options, settings);
        this.perThread = new AtomicReferenceArray<>(eventLoops * 2 + 4);
        int perLoop = Math.max(1, (settings.maxConnections() + eventLoops - 1) / eventLoops);
        this.poolOptions = new PoolOptions()
                .setHttp1MaxSize(perLoop)
                // Bounded: past this many requests waiting for a connection, fail fast (503) instead of queueing
                .setMaxWaitQueueSize(Math.max(1024, perLoop * 16));
    }

    /**
     * An upstream's {@code tls}: its CA bundle instead of the JVM's trust store (read now, on the reload thread), or
     * no verification at all when the config says {@code verify: false} in so many words, which is logged as a warning
     * whenever a pool with it is made (at start, and on a reload that changes the upstream's connection settings). Host names are verified whenever certificates are.
     */
    static void tls(HttpClientOptions options, ClientSettings settings) {
        UpstreamConfig.UpstreamTls tls = settings.tls();
        if (tls == null) {
            return;
        }
        if (!tls.verify()) {
            LOG.warnf("upstream %s: tls.verify is false: its targets' certificates and host names are NOT checked, so "
                    + "anyone on the path to them can read and change its traffic", settings.upstream());
            options.setTrustAll(true).setVerifyHost(false);
        } else if (tls.ca() != null) {
            try {
                options.setTrustOptions(new io.vertx.core.net.PemTrustOptions().addCertValue(
                        io.vertx.core.buffer.Buffer.buffer(java.nio.file.Files.readAllBytes(java.nio.file.Path.of(tls.ca())))));
            } catch (java.io.IOException e) {
                throw new IllegalStateException("upstream " + settings.upstream() + ": tls.ca " + tls.ca()
                        + " cannot be read: " + e.getMessage());
            }
        }
    }

    /** A small client with this upstream's TLS settings for its active health checks, made on first use. */
    public synchronized HttpClient healthClient() {
        if (healthClient == null) {
            healthClient = vertx.createHttpClient(new HttpClientOptions(options).setMaxPoolSize(4)
                    .setConnectTimeout(5000));
            created.add(healthClient);
        }
        return healthClient;
    }

    /** The client of the calling event loop. */
    public HttpClient current() {
        int slot = Math.min(THREAD_SLOT.get(), perThread.length() - 1);
        HttpClient client = perThread.get(slot);
        if (client == null) {
            client = create(slot);
        }
        return client;
    }

    private synchronized HttpClient create(int slot) {
        HttpClient client = perThread.get(slot);
        if (client == null) {
            if (closed) {
                // A request that read an old snapshot arrived after its pool was retired: a new client here
                // would never be closed. The request fails (502) instead; see UpstreamRegistry.
                throw new IllegalStateException("connection pool retired");
            }
            // A 1xx other than 100/103 must never be taken for the final answer (the real one would then
            // answer the next request on this connection): each new connection gets the filter first.
            client = vertx.httpClientBuilder()
                    .with(options)
                    .with(poolOptions)
                    .withConnectHandler(InterimResponseFilter::install)
                    .build();
            created.add(client);
            perThread.set(slot, client);
        }
        return client;
    }

    /** In-flight requests through this client, so a retired client is closed only once they are done. */
    public void requestStarted() {
        inFlight.increment();
    }

    public void requestEnded() {
        inFlight.decrement();
    }

    long inFlight() {
        return inFlight.sum();
    }

    public boolean isClosed() {
        return closed;
    }

    synchronized void close() {
        closed = true;
        for (HttpClient client : created) {
            client.close();
        }
    }
}
