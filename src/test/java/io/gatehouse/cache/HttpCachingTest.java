package io.gatehouse.cache;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RFC 9111's rules as the cache applies them: directives, storability, freshness, age, and the stored bytes. */
class HttpCachingTest {
    private static MultiMap headers(String... lines) {
        MultiMap m = MultiMap.caseInsensitiveMultiMap();
        for (int i = 0; i < lines.length; i += 2) {
            m.add(lines[i], lines[i + 1]);
        }
        return m;
    }

    @Test
    void directivesAreReadFromEveryLineCaseInsensitivelyAndBadValuesAreStrict() {
        CacheControl cc = CacheControl.of(headers("Cache-Control", "Public, MAX-AGE=60", "Cache-Control",
                "s-maxage=\"30\", no-cache=\"Set-Cookie\", stale-if-error=10, x-ext=1"));
        assertTrue(cc.isPublic());
        assertEquals(60, cc.maxAge());
        assertEquals(30, cc.sMaxAge());
        assertTrue(cc.noCache() && cc.noCacheQualified());
        assertEquals(10, cc.staleIfError());
        assertEquals(0, CacheControl.parse("max-age=abc").maxAge(), "an invalid delta-seconds is stale at once");
        assertEquals(10, CacheControl.parse("max-age=60, max-age=10").maxAge(), "given twice: the stricter");
        assertEquals(CacheControl.ANY, CacheControl.parse("max-stale").maxStale());
        assertEquals(Integer.MAX_VALUE, CacheControl.parse("max-age=99999999999999").maxAge());
        assertEquals(CacheControl.NONE, CacheControl.of(headers()));
    }

    @Test
    void storabilityForASharedCache() {
        CacheControl none = CacheControl.NONE;
        assertNull(HttpCaching.notStorable(none, false, 200, headers(), CacheControl.parse("max-age=5"), 0, false));
        assertEquals("status", HttpCaching.notStorable(none, false, 500, headers(), CacheControl.parse("max-age=5"), 0, false));
        assertEquals("private", HttpCaching.notStorable(none, false, 200, headers(), CacheControl.parse("private, max-age=5"), 0, false));
        assertEquals("no-store", HttpCaching.notStorable(CacheControl.parse("no-store"), false, 200, headers(),
                CacheControl.parse("max-age=5"), 0, false));
        assertNull(HttpCaching.notStorable(none, false, 200, headers(), CacheControl.parse("no-store, must-understand, max-age=5"),
                0, false), "must-understand with an understood status overrides no-store");
        assertEquals("authorization", HttpCaching.notStorable(none, true, 200, headers(), CacheControl.parse("max-age=5"), 0, false));
        assertNull(HttpCaching.notStorable(none, true, 200, headers(), CacheControl.parse("s-maxage=5"), 0, false));
        assertNull(HttpCaching.notStorable(none, true, 200, headers(), CacheControl.parse("must-revalidate, max-age=5"), 0, false));
        assertEquals("no-freshness", HttpCaching.notStorable(none, false, 200, headers(), none, 0, false));
        assertNull(HttpCaching.notStorable(none, false, 200, headers(), none, 60_000, false), "the route's ttl");
        assertEquals("no-freshness", HttpCaching.notStorable(none, false, 302, headers(), none, 60_000, false),
                "302 is not heuristically cacheable, even with a route ttl");
        assertEquals("vary-star", HttpCaching.notStorable(none, false, 200, headers("Vary", "Accept, *"),
                CacheControl.parse("max-age=5"), 0, false));
        assertEquals("set-cookie", HttpCaching.notStorable(none, false, 200, headers("Set-Cookie", "a=b"),
                CacheControl.parse("max-age=5"), 0, false));
    }

    @Test
    void freshnessLifetimeInTheOrderOfSection421() {
        long now = 1_700_000_000_000L;
        String date = HttpCaching.httpDate(now);
        assertEquals(30_000, HttpCaching.freshness(200, headers(), CacheControl.parse("s-maxage=30, max-age=60"), 0, now));
        assertEquals(60_000, HttpCaching.freshness(200, headers("Expires", HttpCaching.httpDate(now + 1000)),
                CacheControl.parse("max-age=60"), 0, now));
        assertEquals(120_000, HttpCaching.freshness(200, headers("Date", date, "Expires", HttpCaching.httpDate(now + 120_000)),
                CacheControl.NONE, 0, now));
        assertEquals(0, HttpCaching.freshness(200, headers("Expires", "0"), CacheControl.NONE, 5000, now));
        assertEquals(5000, HttpCaching.freshness(200, headers(), CacheControl.NONE, 5000, now));
        assertEquals(100_000, HttpCaching.freshness(200, headers("Date", date, "Last-Modified", HttpCaching.httpDate(now - 1_000_000)),
                CacheControl.NONE, 0, now), "10% of the time since Last-Modified");
        assertEquals(HttpCaching.MAX_HEURISTIC_MILLIS, HttpCaching.freshness(200,
                headers("Last-Modified", HttpCaching.httpDate(now - 400L * 86_400_000)), CacheControl.NONE, 0, now));
        assertEquals(0, HttpCaching.freshness(302, headers("Last-Modified", date), CacheControl.NONE, 0, now));
    }

    @Test
    void theCorrectedInitialAgeTakesTheLargerOfApparentAgeAndAgePlusDelay() {
        long sent = 1_700_000_000_000L;
        long received = sent + 2000;
        assertEquals(12_000, HttpCaching.initialAge(headers("Age", "10"), sent, received));
        assertEquals(30_000, HttpCaching.initialAge(headers("Age", "10", "Date", HttpCaching.httpDate(received - 30_000)), sent, received));
        assertEquals(2000, HttpCaching.initialAge(headers("Date", HttpCaching.httpDate(received + 60_000)), sent, received),
                "a Date ahead of ours makes no negative age");
    }

    @Test
    void variantsMatchOnNormalizedValuesAndStayBounded() {
        CachedResponse en = entry(List.of("accept-language"), java.util.Arrays.asList("en"));
        CachedResponse none = entry(List.of("accept-language"), java.util.Arrays.asList((String) null));
        assertTrue(Variants.matches(en, headers("Accept-Language", "en")));
        assertFalse(Variants.matches(en, headers("Accept-Language", "fr")));
        assertFalse(Variants.matches(en, headers()));
        assertTrue(Variants.matches(none, headers()));
        assertEquals("gzip,br", Variants.normalized(headers("Accept-Encoding", "gzip,   br"), "accept-encoding"));
        assertEquals("gzip,br", Variants.normalized(headers("Accept-Encoding", "gzip", "Accept-Encoding", " br"), "accept-encoding"));
        Variants v = new Variants(List.of());
        for (int i = 0; i < 20; i++) {
            v = v.with(entry(List.of("x"), List.of("v" + i)));
        }
        assertEquals(Variants.MAX, v.responses().size());
        assertEquals("v19", v.responses().get(0).varyValues().get(0), "the newest first");
    }

    @Test
    void aStoredResponseSurvivesItsBytesExactly() {
        byte[] body = new byte[300];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) i; // every byte value, CR and LF included
        }
        CachedResponse r = new CachedResponse("http://h/p", "route", List.of("accept"), java.util.Arrays.asList((String) null),
                203, new String[] {"Content-Type", "application/octet-stream", "ETag", "\"é\""}, Buffer.buffer(body),
                1500, 1_700_000_000_000L, 60_000, 5000, 0, true, false);
        CachedResponse back = CachedResponse.fromBuffer(r.toBuffer());
        assertEquals(r.url(), back.url());
        assertEquals(r.varyValues(), back.varyValues());
        assertEquals(203, back.status());
        assertEquals(List.of(r.headers()), List.of(back.headers()));
        assertEquals(r.body(), back.body());
        assertEquals(r.initialAgeMillis(), back.initialAgeMillis());
        assertTrue(back.mustRevalidate());
        assertNull(CachedResponse.fromBuffer(Buffer.buffer("not an entry")));
    }

    @Test
    void theLocalStoreStaysWithinItsBytesAndInvalidatesEveryKeyOfAUrl() {
        LocalCacheStore store = new LocalCacheStore(1 << 20);
        for (int i = 0; i < 200; i++) {
            store.put("http://h/big" + i + "\u0001", bodyOf("http://h/big" + i, 64 * 1024), System.currentTimeMillis());
        }
        store.cleanUp();
        assertTrue(store.bytes() <= 1 << 20, "bytes " + store.bytes());
        assertTrue(store.evictions() > 0);
        long started = System.currentTimeMillis() - 5;
        store.put("http://h/u?x=1\u0001alice", bodyOf("http://h/u", 10), started);
        store.put("http://h/u?x=2\u0001bob", bodyOf("http://h/u", 10), started);
        store.invalidate("http://h/u");
        assertNull(store.getNow("http://h/u?x=1\u0001alice"));
        assertNull(store.getNow("http://h/u?x=2\u0001bob"));
        // a read that started before the write finishes after it: what it fetched is not stored
        store.put("http://h/u?x=1\u0001alice", bodyOf("http://h/u", 10), started);
        assertNull(store.getNow("http://h/u?x=1\u0001alice"));
        store.put("http://h/u?x=1\u0001alice", bodyOf("http://h/u", 10), System.currentTimeMillis() + 1);
        assertTrue(store.getNow("http://h/u?x=1\u0001alice") != null, "a read that started after the write is stored");
    }

    private static CachedResponse bodyOf(String url, int size) {
        return new CachedResponse(url, "r", List.of(), List.of(), 200, new String[0], Buffer.buffer(new byte[size]),
                0, System.currentTimeMillis(), 60_000, 0, 0, false, false);
    }

    private static CachedResponse entry(List<String> names, List<String> values) {
        return new CachedResponse("http://h/p", "r", names, values, 200, new String[0], Buffer.buffer("x"), 0,
                System.currentTimeMillis(), 60_000, 0, 0, false, false);
    }
}
