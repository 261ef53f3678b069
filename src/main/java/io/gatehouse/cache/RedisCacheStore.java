package io.gatehouse.cache;

import io.gatehouse.redis.RedisLink;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * The {@code redis} store: entries shared by every replica, through the gateway's one Redis link (its short timeout,
 * its outage state). A key is a hash of its variants (field: the Vary values, value: the stored response's bytes,
 * raw), expiring on its own once none of them can be served even stale; a set per URL lists its keys, so an
 * invalidation drops them in one script. Both carry the URL as a Cluster hash tag, so one URL's keys share a slot.
 *
 * <p>While Redis is down or slow the store answers "nothing stored" at once and stores nothing: the cache passes
 * requests through, never fails them, never waits on Redis.
 */
final class RedisCacheStore implements CacheStore {
    static final String PREFIX = "gatehouse:cache:";
    /** HSET the variant, extend the key's and the index's expiry, bound the variants; one round trip. */
    static final String PUT = """
            local call, ttl, max = redis.call, tonumber(ARGV[3]), tonumber(ARGV[4])
            call('HSET', KEYS[1], ARGV[1], ARGV[2])
            if call('PTTL', KEYS[1]) < ttl then call('PEXPIRE', KEYS[1], ttl) end
            call('SADD', KEYS[2], KEYS[1])
            if call('PTTL', KEYS[2]) < ttl then call('PEXPIRE', KEYS[2], ttl) end
            if call('HLEN', KEYS[1]) > max then
              for _, f in ipairs(call('HKEYS', KEYS[1])) do
                if f ~= ARGV[1] then call('HDEL', KEYS[1], f) break end
              end
            end
            return 1""";
    /** Every key of a URL, then its index. */
    static final String INVALIDATE = """
            local keys = redis.call('SMEMBERS', KEYS[1])
            for i = 1, #keys do redis.call('DEL', keys[i]) end
            redis.call('DEL', KEYS[1])
            return #keys""";

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

    @Override
    public Future<Variants> get(String key) {
        if (!link.available()) {
            return Future.succeededFuture(null);
        }
        String url = urlOfKey(key);
        return link.send(Request.cmd(Command.HVALS).arg(redisKey(key, url))).map(RedisCacheStore::variants)
                .otherwise(err -> {
                    errors.increment(); // Redis failed this lookup: a miss (the link marks the outage)
                    return null;
                });
    }

    private static Variants variants(Response values) {
        if (values == null || values.size() == 0) {
            return null;
        }
        long now = System.currentTimeMillis();
        List<CachedResponse> held = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            CachedResponse r = CachedResponse.fromBuffer(values.get(i).toBuffer());
            if (r != null && r.usefulUntil() > now) {
                held.add(r);
            }
        }
        if (held.isEmpty()) {
            return null;
        }
        held.sort(Comparator.comparingLong(CachedResponse::receivedMillis).reversed()); // the newest first
        return new Variants(List.copyOf(held));
    }

    @Override
    public void put(String key, CachedResponse response) {
        long ttl = response.usefulUntil() - System.currentTimeMillis();
        if (ttl <= 0 || !link.available()) {
            return;
        }
        String url = response.url();
        run(PUT, List.of(redisKey(key, url), indexKey(url)), variantField(response), response.toBuffer(),
                Long.toString(ttl), Integer.toString(Variants.MAX)).onFailure(err -> errors.increment());
    }

    @Override
    public void invalidate(String url) {
        if (link.available()) {
            run(INVALIDATE, List.of(indexKey(url))).onFailure(err -> errors.increment());
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
                        if (!k.endsWith("}:index")) {
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
