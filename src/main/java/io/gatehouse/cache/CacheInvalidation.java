package io.gatehouse.cache;

import io.gatehouse.pipeline.AttributeKey;
import io.gatehouse.pipeline.Exchange;
import io.gatehouse.pipeline.GatewayFilter;
import io.gatehouse.pipeline.LocalReply;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * RFC 9111 §4.4 on a route that takes writes, cached or not (a write usually goes through another route than the
 * reads it changes): a successful unsafe request drops the stored responses of its path (every query string,
 * variant and caller), of the {@code Location} and {@code Content-Location} it answered with on the same host, and
 * of the paths its route lists in {@code cache.invalidate}. It does so in the response phase, before the client
 * sees the answer, so a client that reads right after its write never gets what the write replaced. Routes that
 * take only safe methods get no such filter and keep the proxy's fast path.
 */
final class CacheInvalidation implements GatewayFilter {
    private static final AttributeKey<String> UNSAFE = AttributeKey.of("cache invalidation");

    private final CacheStore store;
    private final List<String> related;
    private final Counter invalidations;
    private final CacheBroadcast broadcast;

    CacheInvalidation(CacheStore store, List<String> related, Counter invalidations, CacheBroadcast broadcast) {
        this.store = store;
        this.related = related;
        this.invalidations = invalidations;
        this.broadcast = broadcast;
    }

    /** Whether a route may see unsafe methods (it lists one, or lists none: every method). */
    static boolean takesWrites(Set<String> methods) {
        if (methods.isEmpty()) {
            return true;
        }
        for (String m : methods) {
            if (unsafe(HttpMethod.valueOf(m))) {
                return true;
            }
        }
        return false;
    }

    static boolean unsafe(HttpMethod m) {
        return m != HttpMethod.GET && m != HttpMethod.HEAD && m != HttpMethod.OPTIONS && m != HttpMethod.TRACE;
    }

    @Override
    public Set<Phase> phases() {
        return EnumSet.of(Phase.REQUEST, Phase.RESPONSE);
    }

    @Override
    public Future<LocalReply> onRequest(Exchange ex) {
        if (unsafe(ex.request().method())) {
            ex.put(UNSAFE, CacheFilter.urlOf(ex));
        }
        return CONTINUE;
    }

    @Override
    public Future<Void> onResponse(Exchange ex) {
        String url = ex.get(UNSAFE);
        if (url != null) {
            apply(ex, url);
        }
        return DONE;
    }

    /** Drops what a successful unsafe request to {@code url} changed; nothing when the upstream did not answer 2xx/3xx. */
    void apply(Exchange ex, String url) {
        int status = ex.response().getStatusCode();
        if (status < 200 || status >= 400 || ex.attempts() == 0 || ex.upstreamNanos() < 0) {
            return; // refused here, failed, or answered by the gateway itself: the upstream changed nothing
        }
        invalidations.increment();
        drop(url);
        String origin = url.substring(0, url.indexOf('/', "http://".length()));
        MultiMap headers = ex.response().headers();
        for (CharSequence name : new CharSequence[] {HttpHeaders.LOCATION, HttpHeaders.CONTENT_LOCATION}) {
            String value = headers.get(name);
            String other = value == null ? null : CacheFilter.sameOrigin(origin, value);
            if (other != null) {
                drop(other);
            }
        }
        for (String path : related) {
            drop(origin + path);
        }
    }

    /** Here, and on the other replicas when their stores are their own. */
    private void drop(String url) {
        store.invalidate(url);
        broadcast.invalidated(url);
    }
}
