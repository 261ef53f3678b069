package io.gatehouse.cache;

import io.gatehouse.pipeline.Exchange;
import io.gatehouse.pipeline.TrafficServer;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import org.jboss.logging.Logger;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code stale-while-revalidate}'s background refresh (RFC 5861 §3): the client got the stale entry at once; this
 * sends the same request again, with {@code Cache-Control: no-cache}, to the gateway's own traffic port, where it
 * takes the route's whole way (authentication, limits, the balancer, retries, breakers) and the cache validates or
 * refetches the entry as for any request that asks for a fresh answer. One refresh per key at a time; a refresh
 * that fails leaves the stale entry in place, served until its stale-while-revalidate window ends.
 *
 * <p>Seen from the route, a refresh is a request from this process' own address, logged and counted like any other,
 * marked with {@code X-Gatehouse-Refresh: 1}; the client's forwarding headers are not copied, so a spoofed one never
 * reaches an upstream that builds URLs from it, even where this address is a trusted proxy.
 */
final class CacheRefresher {
    static final String MARKER = "X-Gatehouse-Refresh";
    private static final Logger LOG = Logger.getLogger(CacheRefresher.class);
    /** Not copied from the client's request: framing, the connection's own, and its conditions (the cache sets its own). */
    private static final Set<String> NOT_COPIED = Set.of("connection", "keep-alive", "proxy-connection", "te", "upgrade",
            "transfer-encoding", "content-length", "expect", "host", "if-none-match", "if-modified-since", "if-match",
            "if-unmodified-since", "if-range", "range", "cache-control", "pragma", "x-request-id", "x-forwarded-for",
            "forwarded", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "x-forwarded-prefix", "x-real-ip",
            MARKER.toLowerCase(Locale.ROOT));

    private final Vertx vertx;
    private final java.util.function.Supplier<TrafficServer> traffic;
    private final long timeoutMillis;
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    private volatile HttpClient client;

    CacheRefresher(Vertx vertx, java.util.function.Supplier<TrafficServer> traffic, long timeoutMillis) {
        this.vertx = vertx;
        this.traffic = traffic;
        this.timeoutMillis = timeoutMillis;
    }

    /** Whether a refresh of {@code key} is running. */
    boolean running(String key) {
        return running.contains(key);
    }

    /** Starts refreshing {@code key} with the request {@code ex} made, unless a refresh of it runs already. */
    void refresh(Exchange ex, String key) {
        TrafficServer server = traffic.get();
        int port = server == null ? -1 : server.port();
        if (port <= 0 || !running.add(key)) {
            return;
        }
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        for (Map.Entry<String, String> h : ex.request().headers()) {
            if (!NOT_COPIED.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                headers.add(h.getKey(), h.getValue());
            }
        }
        String host = ex.authority();
        if (host != null) {
            headers.set("Host", host); // the same virtual host, so the same cache key (Vert.x keeps a Host it is given)
        }
        headers.set("Cache-Control", "no-cache").set(MARKER, "1");
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost(server.selfAddress())
                .setPort(port).setURI(ex.request().uri()).setHeaders(headers).setTimeout(timeoutMillis);
        client().request(options)
                .compose(request -> request.send())
                .compose(response -> {
                    response.handler(chunk -> { }); // the cache took what it needed on the way: drop the rest
                    return response.end().map(v -> response.statusCode());
                })
                .onComplete(ar -> {
                    running.remove(key);
                    if (ar.failed()) {
                        LOG.debugf("a background refresh of %s failed: %s", ex.request().uri(), ar.cause().toString());
                    }
                });
    }

    private HttpClient client() {
        HttpClient c = client;
        if (c == null) {
            synchronized (this) {
                if (client == null) {
                    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setMaxPoolSize(8)
                            .setMaxHeaderSize(64 * 1024));
                }
                c = client;
            }
        }
        return c;
    }
}
