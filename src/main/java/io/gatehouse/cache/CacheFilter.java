package io.gatehouse.cache;

import io.gatehouse.pipeline.AttributeKey;
import io.gatehouse.pipeline.BodyFilter;
import io.gatehouse.pipeline.Caller;
import io.gatehouse.pipeline.Exchange;
import io.gatehouse.pipeline.GatewayFilter;
import io.gatehouse.pipeline.LocalReply;
import io.gatehouse.pipeline.UpstreamRequest;
import io.gatehouse.pipeline.UpstreamResponse;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One cached route's filter: an RFC 9111 shared cache in front of its upstream.
 *
 * <ul>
 * <li>request: a {@code GET} or {@code HEAD} is answered from a stored response when one is fresh enough for the
 * request's own directives (§4.2, §5.2.1), with a {@code 304} when the client's own condition holds (§4.3.2); a
 * stale one with a validator is validated upstream (§4.3.1); concurrent misses on one key wait for the first
 * (coalescing, bounded by {@code lock-timeout}).</li>
 * <li>upstream response: a storable {@code 200}… is teed into a bounded buffer and stored when complete (§3); a
 * {@code 304} to a validation updates the stored response (§4.3.4) and answers from it; a failure or a 5xx answers
 * with the stale entry where {@code stale-if-error} allows; a successful unsafe request drops its URI and the
 * {@code Location} / {@code Content-Location} of the same host (§4.4), and the route's {@code invalidate} paths.</li>
 * <li>response: {@code X-Cache-Status}, RFC 9211's {@code Cache-Status}, and {@code Age} from the cache.</li>
 * </ul>
 */
final class CacheFilter implements GatewayFilter {
    @Override
    public String spanName() {
        return "cache lookup";
    }

    static final AttributeKey<State> STATE = AttributeKey.of("cache");
    static final String NAME = "Gatehouse";
    private static final CharSequence X_CACHE_STATUS = HttpHeaders.createOptimized("X-Cache-Status");
    private static final CharSequence CACHE_STATUS = HttpHeaders.createOptimized("Cache-Status");
    private static final CharSequence RANGE = HttpHeaders.createOptimized("Range");
    /** X-Cache-Status values, encoded once. */
    private static final Map<String, CharSequence> STATUS_VALUES = Map.of("HIT", HttpHeaders.createOptimized("HIT"),
            "MISS", HttpHeaders.createOptimized("MISS"), "BYPASS", HttpHeaders.createOptimized("BYPASS"),
            "STALE", HttpHeaders.createOptimized("STALE"), "REVALIDATED", HttpHeaders.createOptimized("REVALIDATED"));
    /** What a 304 carries of the stored response (RFC 9110 §15.4.5). */
    private static final Set<String> NOT_MODIFIED_FIELDS = Set.of("cache-control", "content-location", "date", "etag",
            "expires", "last-modified", "vary");

    private final String routeId;
    private final CacheSettings.Route route;
    private final CacheStore store;
    /** The local store, for lookups without a future; null with the redis store. */
    private final LocalCacheStore local;
    private final Coalescer fills;
    private final CacheMetrics.Route metrics;
    private final Vertx vertx;
    private final long lockTimeoutMillis;
    /** Drops what this route's successful writes change; null when the route takes no unsafe methods. */
    private final CacheInvalidation invalidation;
    /** stale-while-revalidate's background refresh; null where none can run (no traffic port). */
    private final CacheRefresher refresher;

    CacheFilter(String routeId, CacheSettings.Route route, CacheSettings settings, CacheStore store,
                Coalescer fills, CacheMetrics.Route metrics, Vertx vertx, CacheInvalidation invalidation,
                CacheRefresher refresher) {
        this.routeId = routeId;
        this.route = route;
        this.store = store;
        this.local = store instanceof LocalCacheStore l ? l : null;
        this.fills = fills;
        this.metrics = metrics;
        this.vertx = vertx;
        this.lockTimeoutMillis = settings.lockTimeout().toMillis();
        this.invalidation = invalidation;
        this.refresher = refresher;
    }

    /** What the cache did for one request, for the later phases. */
    static final class State {
        final String url;
        final String key;
        final String sharedKey;
        final boolean head;
        final CacheControl requestDirectives;
        final long requestMillis = System.currentTimeMillis();
        /** The stored response being validated (or kept for stale-if-error), or null. */
        CachedResponse stored;
        /** Conditional headers of our own go upstream (a validation). */
        boolean validating;
        /** This request fills {@link #key} for the ones waiting on it. */
        Coalescer.Fill fill;
        /** X-Cache-Status value, and the Cache-Status parameters after the cache's name. */
        String status;
        String detail;
        /** The stored response the answer came from (for Age), or null. */
        CachedResponse answeredFrom;

        State(String url, String key, String sharedKey, boolean head, CacheControl requestDirectives) {
            this.url = url;
            this.key = key;
            this.sharedKey = sharedKey;
            this.head = head;
            this.requestDirectives = requestDirectives;
        }

        void outcome(String status, String detail) {
            this.status = status;
            this.detail = detail;
        }
    }

    @Override
    public Set<Phase> phases() {
        return EnumSet.allOf(Phase.class);
    }

    @Override
    public Future<LocalReply> onRequest(Exchange ex) {
        HttpMethod method = ex.request().method();
        boolean head = method == HttpMethod.HEAD;
        if (method != HttpMethod.GET && !head) {
            State state = new State(CacheInvalidation.unsafe(method) ? urlOf(ex) : null, null, null, false, CacheControl.NONE);
            state.outcome("BYPASS", "fwd=method");
            ex.put(STATE, state);
            metrics.bypass.increment();
            return CONTINUE; // an unsafe one drops what it changes, in the response phase
        }
        MultiMap headers = ex.request().headers();
        CacheControl directives = CacheControl.of(headers);
        String url = urlOf(ex);
        Caller caller = ex.caller();
        String query = ex.request().query();
        String sharedKey = key(url, query, null, headers);
        String key = caller == null ? sharedKey : key(url, query, callerKey(caller), headers);
        State state = new State(url, key, sharedKey, head, directives);
        ex.put(STATE, state);
        if (headers.contains(RANGE)) {
            // partial content is not stored: a Range request goes upstream as sent (see the README)
            state.outcome("BYPASS", "fwd=request; detail=range");
            metrics.bypass.increment();
            return CONTINUE;
        }
        if (local != null) {
            return afterLookup(ex, state, lookupLocally(state, headers));
        }
        // the redis store: the chain goes on when Redis answered (or at once, a miss, while Redis is away)
        Promise<LocalReply> answer = Promise.promise();
        lookupRemotely(state, headers).onComplete(ar -> ex.resume(() -> {
            if (ex.isFinished()) {
                answer.complete(null); // the client left meanwhile: it must not lead a fill nobody would settle
                return;
            }
            afterLookup(ex, state, ar.succeeded() ? ar.result() : null).onComplete(answer);
        }));
        return answer.future();
    }

    /** Serves what the lookup found when it may; else a miss or a validation goes upstream (coalesced). */
    private Future<LocalReply> afterLookup(Exchange ex, State state, CachedResponse entry) {
        long now = System.currentTimeMillis();
        CacheControl directives = state.requestDirectives;
        if (entry != null) {
            Future<LocalReply> served = serve(ex, state, entry, now, null);
            if (served != null) {
                return served;
            }
        }
        // a miss, a stale entry or a validation: the first goes upstream, the others on this key wait for what it
        // brings (an entry expiring under load makes one upstream request, not one per client); a HEAD or a
        // no-store request stores nothing, so it may wait but never leads; only-if-cached waits too (a fill on its
        // way is the cache's, not this request's doing)
        Coalescer.Fill running = fills.join(state.key);
        if (running != null) {
            return await(ex, state, running);
        }
        if (entry == null && directives.onlyIfCached()) {
            return notCached(state);
        }
        if (!state.head && !directives.noStore()) {
            state.fill = fills.lead(state.key);
            if (state.fill != null && entry == null && local != null) {
                // The lookup and the lead are two steps: a fill that stored and settled between them left nothing to
                // join, yet its entry is there now. Looked up again (cheap, in memory) so this request does not
                // make a second upstream request for what was just stored.
                CachedResponse late = lookupLocally(state, ex.request().headers());
                Future<LocalReply> served = late == null ? null : serve(ex, state, late, now, null);
                if (served != null) {
                    settle(state, late);
                    return served;
                }
            }
        }
        if (state.status == null) {
            state.outcome("MISS", state.detail != null ? state.detail : state.stored == null ? "fwd=uri-miss" : "fwd=stale");
        }
        (state.validating ? metrics.revalidate : metrics.miss).increment();
        return CONTINUE;
    }

    /** RFC 9111 §5.2.1.7: nothing stored may answer, and the request forbids going upstream. */
    private Future<LocalReply> notCached(State state) {
        state.outcome("MISS", "fwd=miss; detail=only-if-cached");
        metrics.miss.increment();
        return Future.succeededFuture(LocalReply.error(504, "not_cached",
                "only-if-cached: no stored response for this request"));
    }

    /** The stored response this request may use (its own key first, then the one every caller shares), or null. */
    private CachedResponse lookupLocally(State state, MultiMap headers) {
        Variants own = local.getNow(state.key);
        CachedResponse entry = own == null ? null : own.match(headers);
        if (entry == null && state.key != state.sharedKey) {
            Variants shared = local.getNow(state.sharedKey);
            entry = shared == null ? null : shared.match(headers);
        }
        if (entry == null && own != null) {
            state.detail = "fwd=vary-miss";
        }
        return entry;
    }

    /** The same through a store that answers later. */
    private Future<CachedResponse> lookupRemotely(State state, MultiMap headers) {
        return store.get(state.key, headers).compose(own -> {
            CachedResponse entry = own == null ? null : own.match(headers);
            if (entry != null || state.key == state.sharedKey) {
                if (entry == null && own != null) {
                    state.detail = "fwd=vary-miss";
                }
                return Future.succeededFuture(entry);
            }
            return store.get(state.sharedKey, headers).map(shared -> {
                CachedResponse e = shared == null ? null : shared.match(headers);
                if (e == null && own != null) {
                    state.detail = "fwd=vary-miss";
                }
                return e;
            });
        });
    }

    /**
     * Answers from {@code entry} when the request's and the response's directives allow it; else prepares a
     * validation (returns null: the request goes upstream).
     */
    private Future<LocalReply> serve(Exchange ex, State state, CachedResponse entry, long now, String via) {
        CacheControl rd = state.requestDirectives;
        long age = entry.ageMillis(now);
        boolean ageOk = rd.maxAge() == CacheControl.ABSENT || age <= rd.maxAge() * 1000;
        boolean minFreshOk = rd.minFresh() == CacheControl.ABSENT || entry.freshMillis() - age >= rd.minFresh() * 1000;
        boolean mayUseWithoutValidation = !rd.noCache() && !entry.noCache() && ageOk;
        if (mayUseWithoutValidation && entry.fresh(now) && minFreshOk) {
            state.outcome("HIT", "hit; ttl=" + (entry.freshMillis() - age) / 1000 + (via == null ? "" : "; detail=" + via));
            metrics.hit.increment();
            return Future.succeededFuture(reply(ex, state, entry, now));
        }
        if (mayUseWithoutValidation && !entry.fresh(now) && !entry.mustRevalidate() && rd.maxStale() != CacheControl.ABSENT
                && (rd.maxStale() == CacheControl.ANY || entry.staleness(now) <= rd.maxStale() * 1000)) {
            // the client accepts this much staleness (§4.2.4: never when the response says must-revalidate)
            state.outcome("STALE", "hit; ttl=" + (entry.freshMillis() - age) / 1000 + "; detail=max-stale");
            metrics.stale.increment();
            return Future.succeededFuture(reply(ex, state, entry, now));
        }
        if (mayUseWithoutValidation && !entry.fresh(now) && !entry.mustRevalidate() && refresher != null
                && rd.minFresh() == CacheControl.ABSENT && entry.staleness(now) <= entry.staleWhileRevalidateMillis()) {
            // RFC 5861: this client gets the stale entry now, also while the refresh runs; one request refreshes it
            // in the background (the refresher starts none while one of this key runs)
            refresher.refresh(ex, state.key);
            state.outcome("STALE", "hit; ttl=" + (entry.freshMillis() - age) / 1000 + "; detail=stale-while-revalidate");
            metrics.stale.increment();
            return Future.succeededFuture(reply(ex, state, entry, now));
        }
        if (rd.onlyIfCached()) {
            state.outcome("MISS", "fwd=stale; detail=only-if-cached");
            metrics.miss.increment();
            return Future.succeededFuture(LocalReply.error(504, "not_cached",
                    "only-if-cached: the stored response would have to be validated first"));
        }
        state.stored = entry; // kept for stale-if-error even without a validator
        state.validating = entry.validator() && entry.status() == 200;
        state.outcome("MISS", rd.noCache() || !ageOk || !minFreshOk ? "fwd=request" : "fwd=stale");
        return null;
    }

    /** Waits for the request filling this key; then answers from what it stored, or goes upstream itself. */
    private Future<LocalReply> await(Exchange ex, State state, Coalescer.Fill running) {
        metrics.coalesced.increment();
        Promise<LocalReply> answer = Promise.promise();
        AtomicBoolean decided = new AtomicBoolean();
        long timer = vertx.setTimer(lockTimeoutMillis, t -> {
            if (decided.compareAndSet(false, true)) {
                if (state.requestDirectives.onlyIfCached()) {
                    notCached(state).onComplete(answer);
                    return;
                }
                state.outcome("MISS", "fwd=miss; detail=lock-timeout");
                metrics.miss.increment();
                answer.complete(null);
            }
        });
        running.future().onComplete(ar -> {
            vertx.cancelTimer(timer);
            if (!decided.compareAndSet(false, true)) {
                return;
            }
            CachedResponse filled = ar.succeeded() ? ar.result() : null;
            long now = System.currentTimeMillis();
            if (filled != null && Variants.matches(filled, ex.request().headers())) {
                State fresh = new State(state.url, state.key, state.sharedKey, state.head, state.requestDirectives);
                Future<LocalReply> served = serve(ex, fresh, filled, now, "coalesced");
                ex.resume(() -> {
                    if (served != null) {
                        state.outcome(fresh.status, fresh.detail);
                        state.answeredFrom = fresh.answeredFrom;
                        answer.complete(served.result());
                        return;
                    }
                    // what the fill brought may not answer this request as it is (stale already, or the request
                    // asks for validation): it validates upstream itself, with the fill's validators
                    state.stored = fresh.stored;
                    state.validating = fresh.validating;
                    state.outcome("MISS", fresh.detail + "; detail=coalesced");
                    (state.validating ? metrics.revalidate : metrics.miss).increment();
                    answer.complete(null);
                });
                return;
            }
            // nothing stored that this request may use: it goes upstream itself, at once (only-if-cached: never)
            ex.resume(() -> {
                if (state.requestDirectives.onlyIfCached()) {
                    notCached(state).onComplete(answer);
                    return;
                }
                state.outcome("MISS", "fwd=miss; detail=coalesced");
                metrics.miss.increment();
                answer.complete(null);
            });
        });
        return answer.future();
    }

    @Override
    public Future<Void> onUpstreamRequest(Exchange ex, UpstreamRequest request) {
        State state = ex.get(STATE);
        if (state != null && state.validating) {
            // our validators replace the client's: a 304 then refreshes the stored response, and the client's own
            // condition is answered from it afterwards
            MultiMap h = request.headers();
            h.remove(HttpHeaders.IF_NONE_MATCH);
            h.remove(HttpHeaders.IF_MODIFIED_SINCE);
            String etag = state.stored.header("ETag");
            String modified = state.stored.header("Last-Modified");
            if (etag != null) {
                h.set(HttpHeaders.IF_NONE_MATCH, etag);
            }
            if (modified != null) {
                h.set(HttpHeaders.IF_MODIFIED_SINCE, modified);
            }
        }
        return DONE;
    }

    @Override
    public Future<Void> onUpstreamResponse(Exchange ex, UpstreamResponse response) {
        State state = ex.get(STATE);
        if (state == null) {
            return DONE;
        }
        if (state.key == null) {
            return DONE;
        }
        long now = System.currentTimeMillis();
        if (response.isFailure() || response.status() >= 500) {
            CachedResponse stale = state.stored;
            if (stale != null && staleIfError(stale, state, now)) {
                state.outcome("STALE", "fwd=stale; fwd-status=" + response.status() + "; detail=stale-if-error");
                metrics.stale.increment();
                response.replaceWith(reply(ex, state, stale, now));
            }
            settle(state, null);
            return DONE;
        }
        int status = response.status();
        MultiMap headers = response.headers();
        CacheControl directives = CacheControl.of(headers);
        if (status == 304 && state.validating) {
            // §4.3.4: the stored headers updated by the 304's; freshness and directives come from the result
            CachedResponse old = state.stored;
            MultiMap merged = merged(old, headers);
            CacheControl now304 = CacheControl.of(merged);
            long fresh = HttpCaching.freshness(old.status(), merged, now304, route.ttlMillis(), now);
            CachedResponse updated = old.updatedBy(headers, HttpCaching.initialAge(headers, state.requestMillis, now), now,
                    fresh, staleIfErrorMillis(now304), now304.staleWhileRevalidate() * 1000,
                    mustRevalidate(now304), now304.noCache());
            boolean authorization = ex.caller() == null && ex.request().headers().contains(HttpHeaders.AUTHORIZATION);
            boolean storable = HttpCaching.notStorable(state.requestDirectives, authorization, old.status(), merged,
                    now304, route.ttlMillis(), true) == null;
            if (storable) {
                store.put(keyFor(state, now304), updated, state.requestMillis);
            }
            settle(state, storable ? updated : null); // waiters never get what may not be stored
            state.outcome("REVALIDATED", "fwd=stale; fwd-status=304");
            response.replaceWith(reply(ex, state, updated, now));
            return DONE;
        }
        if (state.head || status == 304 || status == 206) {
            settle(state, null);
            return DONE;
        }
        boolean authorization = ex.caller() == null && ex.request().headers().contains(HttpHeaders.AUTHORIZATION);
        String why = HttpCaching.notStorable(state.requestDirectives, authorization, status, headers, directives,
                route.ttlMillis(), route.storeSetCookie());
        long length = contentLength(headers);
        if (why == null && length > route.maxObjectSize()) {
            why = "too-large";
        }
        if (why != null) {
            // the stored entry stays (stale, it is validated again next time): a request of its own making, such as
            // one with a bad credential, must not drop what other clients get
            if (state.detail != null && !state.detail.contains("detail=")) {
                state.detail += "; detail=" + why;
            }
            settle(state, null);
            return DONE;
        }
        String[] kept = storedHeaders(headers);
        List<String> varyNames = Variants.varyNames(headers);
        List<String> varyValues = new ArrayList<>(varyNames.size());
        for (String name : varyNames) {
            varyValues.add(Variants.normalized(ex.request().headers(), name));
        }
        long fresh = HttpCaching.freshness(status, headers, directives, route.ttlMillis(), now);
        long initialAge = HttpCaching.initialAge(headers, state.requestMillis, now);
        String storeKey = keyFor(state, directives);
        long sie = staleIfErrorMillis(directives);
        long swr = directives.staleWhileRevalidate() * 1000;
        boolean mustRevalidate = mustRevalidate(directives);
        boolean noCache = directives.noCache();
        state.detail = state.detail + "; stored";
        long max = route.maxObjectSize();
        response.observeBody(new BodyFilter() {
            private Buffer body = Buffer.buffer((int) Math.min(Math.max(length, 256), max));
            private boolean over;
            private boolean stored;

            @Override
            public Buffer onChunk(Buffer chunk) {
                if (!over && !stored) {
                    if (body.length() + chunk.length() > max) {
                        over = true; // streams on to the client; nothing is stored
                        body = null;
                        settle(state, null);
                    } else {
                        body.appendBuffer(chunk);
                        if (length >= 0 && body.length() == length) {
                            // the whole body by its Content-Length: stored before its last bytes go to the client, so
                            // the client's next request (on any replica, with the redis store) finds it
                            store();
                        }
                    }
                }
                return chunk;
            }

            @Override
            public Buffer onEnd() {
                if (!over && !stored) {
                    store();
                }
                return null;
            }

            private void store() {
                stored = true;
                CachedResponse entry = new CachedResponse(state.url, routeId, varyNames, varyValues, status, kept,
                        body, initialAge, now, fresh, sie, swr, mustRevalidate, noCache);
                if (fresh > 0 || entry.validator()) {
                    store.put(storeKey, entry, state.requestMillis);
                    settle(state, entry);
                } else {
                    settle(state, null);
                }
            }

            @Override
            public void onAbort() {
                if (!stored) {
                    settle(state, null); // an incomplete body is never stored
                }
            }
        });
        return DONE;
    }

    @Override
    public Future<Void> onResponse(Exchange ex) {
        State state = ex.get(STATE);
        if (state == null || state.status == null) {
            return DONE;
        }
        if (state.key == null && state.url != null && invalidation != null) {
            invalidation.apply(ex, state.url);
        }
        MultiMap headers = ex.response().headers();
        headers.set(X_CACHE_STATUS, STATUS_VALUES.getOrDefault(state.status, state.status));
        ex.logField("cache", state.status);
        String own = NAME + "; " + state.detail;
        String upstream = headers.get(CACHE_STATUS);
        // RFC 9211: each cache appends its entry; the one nearest the client comes last
        headers.set(CACHE_STATUS, upstream == null || state.answeredFrom != null ? own : upstream + ", " + own);
        return DONE;
    }

    @Override
    public void onComplete(Exchange ex) {
        State state = ex.get(STATE);
        if (state != null) {
            settle(state, null); // whatever happened, nobody waits on this request any longer
        }
    }

    // ------------------------------------------------------------------------------------------------------------

    /** The answer from a stored response: a 304 when the client's own condition holds, else the response itself. */
    private LocalReply reply(Exchange ex, State state, CachedResponse entry, long now) {
        state.answeredFrom = entry;
        MultiMap request = ex.request().headers();
        boolean notModified = entry.status() == 200 && conditionHolds(request, entry);
        LocalReply reply = LocalReply.of(notModified ? 304 : entry.status(), null,
                notModified || state.head ? null : entry.body());
        String[] h = entry.headers();
        CharSequence[] wire = entry.wire();
        for (int i = 0; i < h.length; i += 2) {
            if (!notModified || NOT_MODIFIED_FIELDS.contains(h[i].toLowerCase(Locale.ROOT))) {
                reply.header(wire[i], wire[i + 1]);
            }
        }
        if (state.head && !notModified) {
            reply.header(HttpHeaders.CONTENT_LENGTH, Integer.toString(entry.body().length()));
        }
        reply.header(HttpHeaders.AGE, Long.toString(entry.ageMillis(now) / 1000));
        return reply;
    }

    /** The client's own conditional request (§4.3.2): If-None-Match first, else If-Modified-Since. */
    private static boolean conditionHolds(MultiMap request, CachedResponse entry) {
        String inm = request.get(HttpHeaders.IF_NONE_MATCH);
        if (inm != null) {
            return HttpCaching.noneMatch(inm, entry.header("ETag"));
        }
        String ims = request.get(HttpHeaders.IF_MODIFIED_SINCE);
        if (ims != null) {
            long since = HttpCaching.date(ims);
            String lm = entry.header("Last-Modified");
            long modified = HttpCaching.date(lm != null ? lm : entry.header("Date"));
            return since >= 0 && modified >= 0 && modified <= since;
        }
        return false;
    }

    private boolean staleIfError(CachedResponse entry, State state, long now) {
        if (entry.noCache()) {
            return false; // §4.2.4: never used without a successful validation
        }
        if (entry.mustRevalidate() || entry.fresh(now)) {
            return entry.fresh(now); // a fresh entry (validated on the request's demand) may always answer
        }
        long allowed = entry.staleIfErrorMillis();
        if (state.requestDirectives.staleIfError() != CacheControl.ABSENT) {
            allowed = Math.max(allowed, state.requestDirectives.staleIfError() * 1000);
        }
        return entry.staleness(now) <= allowed;
    }

    private long staleIfErrorMillis(CacheControl directives) {
        long own = directives.staleIfError() == CacheControl.ABSENT ? 0 : directives.staleIfError() * 1000;
        return Math.max(own, route.staleIfError() == null ? 0 : route.staleIfError().toMillis());
    }

    /** §4.2.4: must-revalidate, and for a shared cache proxy-revalidate and s-maxage, forbid serving stale. */
    private static boolean mustRevalidate(CacheControl d) {
        return d.mustRevalidate() || d.proxyRevalidate() || d.sMaxAge() != CacheControl.ABSENT;
    }

    /**
     * Where a response is stored: a response to an authenticated caller under that caller's key, unless the upstream
     * made it {@code public} or gave it {@code s-maxage} (then under the key every caller shares).
     */
    private static String keyFor(State state, CacheControl directives) {
        return directives.isPublic() || directives.sMaxAge() != CacheControl.ABSENT ? state.sharedKey : state.key;
    }

    private void settle(State state, CachedResponse entry) {
        Coalescer.Fill fill = state.fill;
        if (fill != null) {
            state.fill = null;
            fill.settle(entry);
        }
    }

    /** A Location-style value as a URL of {@code origin} (path only, no query), or null for another host. */
    static String sameOrigin(String origin, String value) {
        String v = value.trim();
        String path;
        if (v.startsWith("/") && !v.startsWith("//")) {
            path = v;
        } else if (v.regionMatches(true, 0, origin, 0, origin.length())
                && (v.length() == origin.length() || v.charAt(origin.length()) == '/')) {
            path = v.length() == origin.length() ? "/" : v.substring(origin.length());
        } else {
            return null;
        }
        int cut = indexOfAny(path, '?', '#');
        return origin + (cut < 0 ? path : path.substring(0, cut));
    }

    private static int indexOfAny(String s, char a, char b) {
        int i = s.indexOf(a);
        int j = s.indexOf(b);
        return i < 0 ? j : j < 0 ? i : Math.min(i, j);
    }

    /**
     * The URL entries are indexed by: scheme, host and the normalized path the route matched, without the query
     * (an invalidation of a path drops all its query variants; the key adds the query).
     */
    static String urlOf(Exchange ex) {
        String host = ex.authority();
        return "http://" + (host == null ? "" : host.toLowerCase(Locale.ROOT)) + ex.path();
    }

    /** A caller as the key holds it: an API key's id and a token's subject never meet, even when equal. */
    private static String callerKey(Caller caller) {
        String keyId = caller.apiKeyId();
        return keyId != null ? "key:" + keyId : "sub:" + caller.id();
    }

    /** The cache key: the URL with its query, the route, the caller where keyed by principal, the route's vary values. */
    private String key(String url, String query, String callerId, MultiMap headers) {
        StringBuilder k = new StringBuilder(url.length() + 32).append(url);
        if (query != null) {
            k.append('?').append(query); // part of the key, not of the URL index
        }
        // the route: routes on one path that differ by host or header conditions (another upstream, other
        // authentication) never answer from each other's entries
        k.append('\u0001').append(routeId).append('\u0001').append(callerId == null ? "" : callerId);
        for (String name : route.vary()) {
            String v = Variants.normalized(headers, name);
            k.append('\u0001').append(v == null ? "\u0000" : v);
        }
        return k.toString();
    }

    private static long contentLength(MultiMap headers) {
        String cl = headers.get(HttpHeaders.CONTENT_LENGTH);
        if (cl == null) {
            return -1;
        }
        try {
            return Long.parseLong(cl.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The header lines stored with a response: all but hop-by-hop, framing and per-answer ones. */
    private static String[] storedHeaders(MultiMap headers) {
        List<String> kept = new ArrayList<>(headers.size() * 2);
        for (Map.Entry<String, String> e : headers) {
            if (HttpCaching.storable(e.getKey())) {
                kept.add(e.getKey());
                kept.add(e.getValue());
            }
        }
        return kept.toArray(String[]::new);
    }

    /** A stored response's headers overlaid with a 304's, for computing its new freshness. */
    private static MultiMap merged(CachedResponse old, MultiMap fresh) {
        MultiMap m = MultiMap.caseInsensitiveMultiMap();
        String[] h = old.headers();
        for (int i = 0; i < h.length; i += 2) {
            m.add(h[i], h[i + 1]);
        }
        for (Map.Entry<String, String> e : fresh) {
            m.set(e.getKey(), e.getValue());
        }
        return m;
    }
}
