package io.gatehouse.cache;

import io.gatehouse.pipeline.AttributeKey;
import io.gatehouse.pipeline.Exchange;
import io.gatehouse.pipeline.GatewayFilter;
import io.gatehouse.pipeline.LocalReply;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * RFC 9111 §4.4 on every route, cached or not (a write usually goes through another route than the reads it
 * changes): a successful unsafe request drops the stored responses of its URI and of the {@code Location} and
 * {@code Content-Location} it answered with on the same host, and the paths its route lists in
 * {@code cache.invalidate}. Runs in the request phase (to note the request) and at completion (when the status is
 * known), so routes keep the proxy's fast path for responses.
 */
final class CacheInvalidation implements GatewayFilter {
    private static final AttributeKey<String> UNSAFE = AttributeKey.of("cache invalidation");

    private final LocalCacheStore store;
    private final Map<String, List<String>> routePaths;

    CacheInvalidation(LocalCacheStore store, Map<String, List<String>> routePaths) {
        this.store = store;
        this.routePaths = routePaths;
    }

    @Override
    public Set<Phase> phases() {
        return EnumSet.of(Phase.REQUEST, Phase.COMPLETE);
    }

    @Override
    public Future<LocalReply> onRequest(Exchange ex) {
        HttpMethod m = ex.request().method();
        if (m != HttpMethod.GET && m != HttpMethod.HEAD && m != HttpMethod.OPTIONS && m != HttpMethod.TRACE) {
            ex.put(UNSAFE, CacheFilter.urlOf(ex));
        }
        return CONTINUE;
    }

    @Override
    public void onComplete(Exchange ex) {
        String url = ex.get(UNSAFE);
        if (url == null || ex.reply() != null) {
            return; // a safe method, or answered by the gateway itself: the upstream changed nothing
        }
        int status = ex.response().getStatusCode();
        if (status < 200 || status >= 400) {
            return;
        }
        store.invalidate(url);
        String origin = url.substring(0, url.indexOf('/', "http://".length()));
        MultiMap headers = ex.response().headers();
        for (CharSequence name : new CharSequence[] {HttpHeaders.LOCATION, HttpHeaders.CONTENT_LOCATION}) {
            String value = headers.get(name);
            String other = value == null ? null : CacheFilter.sameOrigin(origin, value);
            if (other != null) {
                store.invalidate(other);
            }
        }
        List<String> related = ex.route() == null ? null : routePaths.get(ex.route().id());
        if (related != null) {
            for (String path : related) {
                store.invalidate(origin + path);
            }
        }
    }
}
