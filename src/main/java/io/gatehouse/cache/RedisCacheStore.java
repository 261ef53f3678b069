package io.gatehouse.cache;

import io.gatehouse.redis.RedisLink;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The {@code redis} store: entries shared by every replica, through the gateway's one Redis link (its short timeout,
 * its outage state). A key is a hash of its variants (field: the Vary values, value: the stored response's bytes,
 * raw), expiring on its own once none of them can be served even stale; a sorted set per URL lists its live keys, so
 * an invalidation drops them in one script. Both carry the URL as a Cluster hash tag, so one URL's keys share a slot.
 *
 * <p>While Redis is down or slow the store answers "nothing stored" at once and stores nothing: the cache passes
 * requests through, never fails them, never waits on Redis.
 */
final class RedisCacheStore implements CacheStore {
    static final String PREFIX = "gatehouse:cache:";
    /**
     * Stores a variant unless the URL was invalidated after the request that fetched it started (KEYS[3] holds when);
     * extends the key's and the index's expiry; the index (a sorted set, each key scored by when it expires) drops
     * the keys that expired meanwhile, so it holds the URL's live keys only; the variants stay bounded. One round trip.
     * ARGV: field, bytes, ttl (ms), max variants, the request's start (ms, the gateway's clock), the Vary names (kept
     * in the field {@code ~vary}, so a lookup knows which variant field to read).
     */
    static final String PUT = """
            local call, ttl, max = redis.call, tonumber(ARGV[3]), tonumber(ARGV[4])
            local invalidated = tonumber(call('GET', KEYS[3]) or '0')
            if invalidated > tonumber(ARGV[5]) then return 0 end
            call('HSET', KEYS[1], ARGV[1], ARGV[2])
            if ARGV[6] == '' then call('HDEL', KEYS[1], '~vary') else call('HSET', KEYS[1], '~vary', ARGV[6]) end
            if call('PTTL', KEYS[1]) < ttl then call('PEXPIRE', KEYS[1], ttl) end
            local t = call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            call('ZADD', KEYS[2], now + call('PTTL', KEYS[1]), KEYS[1])
            call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
            if call('PTTL', KEYS[2]) < ttl then call('PEXPIRE', KEYS[2], ttl) end
            if call('HLEN', KEYS[1]) > max + 1 then
              for _, f in ipairs(call('HKEYS', KEYS[1])) do
                if f ~= ARGV[1] and f ~= '~vary' then call('HDEL', KEYS[1], f) break end
              end
            end
            return 1""";
    /**
     * Every live key of a URL (in batches), then its index; and when it happened (ARGV[1], the gateway's clock, kept
     * ARGV[2] ms), so a response fetched before it is not stored after it.
     */
    static final String INVALIDATE = """
            local call = redis.call
            local keys = call('ZRANGE', KEYS[1], 0, -1)
            for i = 1, #keys, 500 do
              call('DEL', unpack(keys, i, math.min(i + 499, #keys)))
            end
            call('DEL', KEYS[1])
            call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
            return #keys""";
    /** How long an invalidation's time is kept: longer than any upstream request a response could come from. */
    static final long INVALIDATION_MEMORY_MILLIS = 10 * 60_000;

    private final RedisLink link;
    private final io.micrometer.core.instrument.Counter errors;

    RedisCacheStore(RedisLink link, io.micrometer.core.instrument.Counter errors) {
        this.link = link;
        this.errors = errors;
        link.preload(PUT);
        link.preload(INVALIDATE);
        link.connect();
    }

    /** The hash tag of a URL: braces would end it early. */
    private static String tag(String url) {
        return "{" + url.replace('{', '(').replace('}', ')') + "}";
    }

    /** A cache key's Redis key: the URL's tag, then what the key adds to the URL (query, caller, vary values). */
    static String redisKey(String key, String url) {
        return PREFIX + tag(url) + key.substring(Math.min(url.length(), key.length()));
    }

    static String indexKey(String url) {
        return PREFIX + tag(url) + ":index";
    }

    static String invalidatedKey(String url) {
        return PREFIX + tag(url) + ":invalidated";
    }

    /**
     * One round trip for a key without Vary: the names field and the one variant at once ({@code HMGET}); a key with
     * Vary takes a second ({@code HGET} of the variant this request's values select). Only one body ever travels, so
     * a lookup stays small on the connections the rate limiter shares.
     */
    @Override
    public Future<Variants> get(String key, MultiMap requestHeaders) {
        if (!link.available()) {
            return Future.succeededFuture(null);
        }
        String redisKey = redisKey(key, urlOfKey(key));
        return link.send(Request.cmd(Command.HMGET).arg(redisKey).arg(VARY_FIELD).arg(""))
                .compose(both -> {
                    Response names = both.get(0);
                    if (names == null) {
                        return Future.succeededFuture(variant(both.get(1)));
                    }
                    String field = fieldFor(names.toString(), requestHeaders);
                    return link.send(Request.cmd(Command.HGET).arg(redisKey).arg(field)).map(RedisCacheStore::variant);
                })
                .otherwise(err -> {
                    errors.increment(); // Redis failed this lookup: a miss (the link marks the outage)
                    return null;
                });
    }

    /** The field holding the Vary names of a key's newest response ({@code accept-language,accept-encoding}). */
    static final String VARY_FIELD = "~vary";

    private static Variants variant(Response value) {
        if (value == null) {
            return null;
        }
        CachedResponse r = CachedResponse.fromBuffer(value.toBuffer());
        return r == null || r.usefulUntil() <= System.currentTimeMillis() ? null : new Variants(List.of(r));
    }

    /** The variant field this request's values of {@code names} select: as {@link #variantField} writes it. */
    static String fieldFor(String names, MultiMap requestHeaders) {
        StringBuilder f = new StringBuilder(32);
        for (String name : names.split(",")) {
            if (name.isEmpty()) {
                continue;
            }
            String v = Variants.normalized(requestHeaders, name);
            f.append(name).append('=').append(v == null ? "\u0000" : v).append('\u0001');
        }
        return f.toString();
    }

    @Override
    public void put(String key, CachedResponse response, long requestedMillis) {
        long ttl = response.usefulUntil() - System.currentTimeMillis();
        if (ttl <= 0 || !link.available()) {
            return;
        }
        String url = response.url();
        run(PUT, List.of(redisKey(key, url), indexKey(url), invalidatedKey(url)), variantField(response),
                response.toBuffer(), Long.toString(ttl), Integer.toString(Variants.MAX), Long.toString(requestedMillis),
                String.join(",", response.varyNames()))
                .onFailure(err -> errors.increment());
    }

    @Override
    public void invalidate(String url) {
        if (link.available()) {
            run(INVALIDATE, List.of(indexKey(url), invalidatedKey(url)), Long.toString(System.currentTimeMillis()),
                    Long.toString(INVALIDATION_MEMORY_MILLIS)).onFailure(err -> errors.increment());
        }
    }

    private Future<Response> run(String script, List<String> keys, Object... args) {
        return link.send(script(Command.EVALSHA, RedisLink.sha1(script), keys, args))
                .recover(err -> RedisLink.isScriptMissing(err)
                        ? link.send(script(Command.EVAL, script, keys, args))
                        : Future.failedFuture(err));
    }

    private static Request script(Command command, String script, List<String> keys, Object... args) {
        Request r = Request.cmd(command).arg(script).arg(keys.size());
        for (String k : keys) {
            r.arg(k);
        }
        for (Object a : args) {
            if (a instanceof Buffer b) {
                r.arg(b);
            } else {
                r.arg(a.toString());
            }
        }
        return r;
    }

    /** A variant's field: its Vary header names and values. */
    static String variantField(CachedResponse r) {
        StringBuilder f = new StringBuilder(32);
        for (int i = 0; i < r.varyNames().size(); i++) {
            String v = r.varyValues().get(i);
            f.append(r.varyNames().get(i)).append('=').append(v == null ? "\u0000" : v).append('\u0001');
        }
        return f.toString();
    }

    /**
     * Walks every stored key (SCAN, a page at a time) and drops those with a variant {@code which} selects. An admin
     * operation: it reads what it tests, so it takes a while on a large cache.
     */
    @Override
    public Future<Long> purge(Predicate<CachedResponse> which) {
        if (!link.available()) {
            return Future.failedFuture(new IllegalStateException("Redis cannot be reached: nothing was purged"));
        }
        return scan("0", which, 0);
    }

    private Future<Long> scan(String cursor, Predicate<CachedResponse> which, long dropped) {
        return link.send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(PREFIX + "*").arg("COUNT").arg(200))
                .compose(page -> {
                    String next = page.get(0).toString();
                    Response keys = page.get(1);
                    List<Future<Long>> each = new ArrayList<>();
                    for (int i = 0; i < keys.size(); i++) {
                        String k = keys.get(i).toString();
                        if (!k.endsWith("}:index") && !k.endsWith("}:invalidated")) {
                            each.add(purgeKey(k, which));
                        }
                    }
                    return Future.all(each).compose(done -> {
                        long n = dropped;
                        for (Future<Long> f : each) {
                            n += f.result();
                        }
                        return next.equals("0") ? Future.succeededFuture(n) : scan(next, which, n);
                    });
                });
    }

    private Future<Long> purgeKey(String key, Predicate<CachedResponse> which) {
        return link.send(Request.cmd(Command.HVALS).arg(key)).compose(values -> {
            for (int i = 0; i < values.size(); i++) {
                CachedResponse r = CachedResponse.fromBuffer(values.get(i).toBuffer());
                if (r != null && which.test(r)) {
                    return link.send(Request.cmd(Command.DEL).arg(key)).map(d -> d.toLong());
                }
            }
            return Future.succeededFuture(0L);
        });
    }

    /** The URL part of a cache key: up to the query or the first separator. */
    static String urlOfKey(String key) {
        int end = key.length();
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '?' || c == '\u0001') {
                end = i;
                break;
            }
        }
        return key.substring(0, end);
    }

    /** Unknown here: the Redis store's size is Redis' own ({@code INFO keyspace}, {@code MEMORY USAGE}). */
    @Override
    public long entries() {
        return -1;
    }

    @Override
    public long bytes() {
        return -1;
    }

    @Override
    public long evictions() {
        return -1;
    }
}
