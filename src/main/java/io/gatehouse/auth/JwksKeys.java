package io.gatehouse.auth;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import org.jboss.logging.Logger;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The keys of {@code auth.jwt.jwks-url}, fetched without blocking: Vert.x' HTTP client, parsed with jose4j's
 * {@link JsonWebKeySet}, held as an immutable map from {@code kid} to a compiled verifier (swapped in one volatile
 * write). Fetched at start, refreshed every {@link Settings#refresh()}, retried with a growing delay while no key was
 * ever loaded, and refetched when a token names an unknown {@code kid} — at most once per
 * {@link Settings#minRefetch()} (so random kids cannot hammer the issuer), concurrent misses sharing one fetch.
 * A failed fetch keeps the keys held so far.
 *
 * @param <K> what a key compiles to (the verifier's per-key parser)
 */
public final class JwksKeys<K> implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(JwksKeys.class);
    /** Bound on the JWKS document: a real one is a few KB. */
    static final int MAX_BYTES = 512 * 1024;
    private static final long FIRST_RETRY_MS = 1_000;

    /** How often the set is refreshed, how often an unknown kid may trigger a fetch, and the fetch timeout. */
    public record Settings(Duration refresh, Duration minRefetch, Duration timeout) {
        public static final Settings DEFAULT = new Settings(Duration.ofMinutes(5), Duration.ofSeconds(10),
                Duration.ofSeconds(5));
    }

    /** The keys of one fetch: by kid, plus the one key a token without kid may use (set of exactly one key). */
    private record KeySet<K>(Map<String, K> byKid, K only) {
    }

    private final Vertx vertx;
    private final String url;
    private final Settings settings;
    private final Function<JsonWebKey, K> compile;
    private final HttpClient client;
    private volatile KeySet<K> keys = new KeySet<>(Map.of(), null);
    private volatile boolean loaded;
    private volatile boolean closed;
    // guarded by this
    private Future<Void> inflight;
    private long lastMissFetchNanos;
    private boolean missFetched;
    private long retryDelayMs = FIRST_RETRY_MS;
    private long periodicTimer = -1;
    private long retryTimer = -1;
    private int fetches;

    /**
     * @param compile turns a key of the set into what the verifier uses, or returns null for a key it cannot use
     *                (wrong type, too short, an encryption key); such keys are left out
     */
    public JwksKeys(Vertx vertx, String url, Settings settings, Function<JsonWebKey, K> compile) {
        this.vertx = vertx;
        this.url = url;
        this.settings = settings;
        this.compile = compile;
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) settings.timeout().toMillis())
                .setKeepAlive(false)
                .setMaxPoolSize(1)
                .setVerifyHost(true));
    }

    /** Starts the first fetch and the periodic refresh; returns at once. */
    public JwksKeys<K> start() {
        fetch("start");
        synchronized (this) {
            periodicTimer = vertx.setPeriodic(Math.max(1, settings.refresh().toMillis()), id -> fetch("refresh"));
        }
        return this;
    }

    /** The key a token's kid names (null kid: the only key, when the set has exactly one), or null. */
    public K find(String kid) {
        KeySet<K> set = keys;
        return kid == null ? set.only() : set.byKid().get(kid);
    }

    /** Whether any fetch has succeeded yet. */
    public boolean loaded() {
        return loaded;
    }

    /**
     * A fetch for a token whose kid is not known: the one already running, a new one when the last such fetch is
     * at least {@link Settings#minRefetch()} ago, or null when it is too soon (the token is then refused).
     */
    public synchronized Future<Void> refetchForUnknownKid() {
        if (closed) {
            return null;
        }
        if (inflight != null) {
            return inflight;
        }
        long now = System.nanoTime();
        if (missFetched && now - lastMissFetchNanos < settings.minRefetch().toNanos()) {
            return null;
        }
        missFetched = true;
        lastMissFetchNanos = now;
        return fetch("unknown kid");
    }

    /** Number of fetches started so far (for tests and logs). */
    public synchronized int fetches() {
        return fetches;
    }

    private synchronized Future<Void> fetch(String reason) {
        if (closed) {
            return Future.failedFuture("closed");
        }
        if (inflight != null) {
            return inflight;
        }
        fetches++;
        Promise<Void> promise = Promise.promise();
        inflight = promise.future();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url)
                .setFollowRedirects(true).setTimeout(settings.timeout().toMillis())
                .putHeader("Accept", "application/json, application/jwk-set+json");
        client.request(options)
                .compose(req -> req.send())
                .compose(resp -> {
                    if (resp.statusCode() != 200) {
                        resp.end(); // drain
                        return Future.failedFuture("HTTP " + resp.statusCode());
                    }
                    String length = resp.getHeader("Content-Length");
                    if (length != null && length.length() < 19 && Long.parseLong(length.trim()) > MAX_BYTES) {
                        resp.request().reset();
                        return Future.failedFuture("the document is larger than " + MAX_BYTES + " bytes");
                    }
                    return cappedBody(resp);
                })
                .map(body -> parse(body.toString()))
                .onComplete(ar -> {
                    synchronized (this) {
                        inflight = null;
                    }
                    if (ar.succeeded()) {
                        installed(ar.result(), reason);
                        promise.complete();
                    } else {
                        failed(ar.cause(), reason);
                        promise.fail(ar.cause());
                    }
                });
        return promise.future();
    }

    /**
     * The body, read while it stays within {@link #MAX_BYTES}: a chunked body declares no length, so the cap is
     * counted as it arrives and the exchange is reset the moment it is passed (never buffered whole first).
     */
    private static Future<Buffer> cappedBody(HttpClientResponse resp) {
        Promise<Buffer> result = Promise.promise();
        Buffer body = Buffer.buffer();
        resp.handler(chunk -> {
            if (body.length() + chunk.length() > MAX_BYTES) {
                if (result.tryFail("the document is larger than " + MAX_BYTES + " bytes")) {
                    resp.request().reset();
                }
                return;
            }
            body.appendBuffer(chunk);
        });
        resp.exceptionHandler(result::tryFail);
        resp.endHandler(v -> result.tryComplete(body));
        return result.future();
    }

    private KeySet<K> parse(String json) {
        List<JsonWebKey> all;
        try {
            all = new JsonWebKeySet(json).getJsonWebKeys();
        } catch (Exception e) {
            throw new IllegalStateException("not a JWKS document: " + e.getMessage());
        }
        Map<String, K> byKid = new HashMap<>();
        K last = null;
        int usable = 0;
        for (JsonWebKey jwk : all) {
            K compiled = compile.apply(jwk);
            if (compiled == null) {
                LOG.debugf("JWKS %s: key %s (kty %s) is not usable for token signatures; left out", url,
                        jwk.getKeyId(), jwk.getKeyType());
                continue;
            }
            usable++;
            last = compiled;
            if (jwk.getKeyId() != null) {
                byKid.putIfAbsent(jwk.getKeyId(), compiled);
            }
        }
        if (usable == 0) {
            throw new IllegalStateException("the set has no usable RSA or EC signature key");
        }
        return new KeySet<>(Map.copyOf(byKid), usable == 1 ? last : null);
    }

    private volatile Runnable onKeysRemoved = () -> { };

    /** Run when a fetch drops a key the set held (a retired or compromised key must stop working at once). */
    public void onKeysRemoved(Runnable action) {
        this.onKeysRemoved = action;
    }

    private void installed(KeySet<K> set, String reason) {
        boolean changed = !set.byKid().keySet().equals(keys.byKid().keySet()) || !loaded;
        boolean removed = loaded && !set.byKid().keySet().containsAll(keys.byKid().keySet());
        keys = set;
        if (removed) {
            onKeysRemoved.run();
        }
        loaded = true;
        synchronized (this) {
            retryDelayMs = FIRST_RETRY_MS;
            if (retryTimer >= 0) {
                vertx.cancelTimer(retryTimer);
                retryTimer = -1;
            }
        }
        io.micrometer.core.instrument.Metrics.counter("gatehouse.auth.jwks.fetches", "outcome", "ok").increment();
        if (changed) {
            LOG.infof("JWKS %s loaded (%s): %d key(s), kids %s", url, reason,
                    set.byKid().size() + (set.only() != null && set.byKid().isEmpty() ? 1 : 0), set.byKid().keySet());
        }
    }

    private void failed(Throwable cause, String reason) {
        io.micrometer.core.instrument.Metrics.counter("gatehouse.auth.jwks.fetches", "outcome", "failed").increment();
        if (loaded) {
            LOG.warnf("JWKS %s could not be fetched (%s): %s; keeping the %d key(s) held", url, reason,
                    cause.getMessage(), keys.byKid().size());
            return;
        }
        synchronized (this) {
            if (closed || retryTimer >= 0) {
                return;
            }
            long delay = retryDelayMs;
            retryDelayMs = Math.min(retryDelayMs * 2, Math.max(FIRST_RETRY_MS, settings.refresh().toMillis()));
            LOG.warnf("JWKS %s could not be fetched (%s): %s; bearer tokens are refused (401) until its keys arrive;"
                    + " retrying in %d ms", url, reason, cause.getMessage(), delay);
            retryTimer = vertx.setTimer(delay, id -> {
                synchronized (this) {
                    retryTimer = -1;
                }
                fetch("retry");
            });
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (periodicTimer >= 0) {
            vertx.cancelTimer(periodicTimer);
        }
        if (retryTimer >= 0) {
            vertx.cancelTimer(retryTimer);
        }
        client.close();
    }
}
