package io.gatehouse.cache;

import io.gatehouse.testing.CacheOrigin;
import io.gatehouse.testing.CacheTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.gatehouse.testing.Scrape.metrics;
import static io.gatehouse.testing.Scrape.value;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The response cache through the running gateway against a real origin, RFC 9111 section by section. Each test
 * uses paths of its own, so stored responses never cross tests.
 */
@QuarkusTest
@QuarkusTestResource(value = CacheTestResource.class, restrictToAnnotatedClass = true)
class CacheEndToEndTest {
    private static CacheOrigin origin() {
        return CacheTestResource.origin;
    }

    private static Response get(String path, String... headers) {
        RequestSpecification r = given();
        for (int i = 0; i < headers.length; i += 2) {
            r = r.header(headers[i], headers[i + 1]);
        }
        return r.get(path);
    }

    private static String httpDate(long millis) {
        return DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.ofEpochMilli(millis).atZone(ZoneOffset.UTC));
    }

    private static void assertStatus(Response r, String xCache) {
        assertEquals(xCache, r.header("X-Cache-Status"), r.headers().toString());
    }

    // ---- §3 what may be stored, §4.2 freshness, §5.1 Age, RFC 9211 ----------------------------------------

    @Test
    void maxAgeIsServedFromTheCacheWithAgeAndCacheStatus() throws Exception {
        origin().set("/c/max-age", "hello", "Cache-Control", "max-age=60", "Content-Type", "text/plain");
        Response first = get("/c/max-age");
        assertEquals(200, first.statusCode());
        assertStatus(first, "MISS");
        assertEquals("Gatehouse; fwd=uri-miss; stored", first.header("Cache-Status"));
        assertNull(first.header("Age"), "a response straight from the origin has no Age of ours");
        Thread.sleep(1100);
        Response second = get("/c/max-age");
        assertStatus(second, "HIT");
        assertEquals("hello", second.asString());
        assertEquals("text/plain", second.header("Content-Type"));
        assertTrue(second.header("Cache-Status").matches("Gatehouse; hit; ttl=(58|59)"), second.header("Cache-Status"));
        int age = Integer.parseInt(second.header("Age"));
        assertTrue(age >= 1 && age <= 2, "Age " + age);
        assertEquals("1", second.header("X-Origin-Hit"), "the stored response");
        assertEquals(1, origin().hits("/c/max-age"));
        assertTrue(second.header("X-Request-ID") != null && !second.header("X-Request-ID").equals(first.header("X-Request-ID")),
                "the request id is this request's, never the stored one");
    }

    @Test
    void noStorePrivateAndUnknownStatusesAreNotStored() {
        origin().set("/c/no-store", "x", "Cache-Control", "no-store, max-age=60");
        origin().set("/c/private", "x", "Cache-Control", "private, max-age=60");
        origin().set("/c/teapot", new CacheOrigin.Answer(418, "x", 0, false, "Cache-Control", "max-age=60"));
        for (String path : List.of("/c/no-store", "/c/private", "/c/teapot")) {
            get(path);
            Response again = get(path);
            assertStatus(again, "MISS");
            assertEquals(2, origin().hits(path), path);
        }
        assertTrue(get("/c/no-store").header("Cache-Status").endsWith("detail=no-store"));
    }

    @Test
    void aRequestWithNoStoreIsNotStored() {
        origin().set("/c/req-no-store", "x", "Cache-Control", "max-age=60");
        get("/c/req-no-store", "Cache-Control", "no-store");
        assertStatus(get("/c/req-no-store"), "MISS");
        assertStatus(get("/c/req-no-store"), "HIT");
    }

    @Test
    void sMaxAgeWinsOverMaxAgeForASharedCache() {
        origin().set("/c/s-maxage", "x", "Cache-Control", "max-age=0, s-maxage=60");
        get("/c/s-maxage");
        assertStatus(get("/c/s-maxage"), "HIT");
    }

    @Test
    void expiresLessDateIsTheLifetimeAndAnInvalidExpiresIsStale() {
        long now = System.currentTimeMillis();
        origin().set("/c/expires", "x", "Date", httpDate(now), "Expires", httpDate(now + 60_000));
        get("/c/expires");
        assertStatus(get("/c/expires"), "HIT");
        origin().set("/c/expires-0", "x", "Expires", "0");
        get("/c/expires-0");
        assertStatus(get("/c/expires-0"), "MISS");
        assertEquals(2, origin().hits("/c/expires-0"));
    }

    @Test
    void heuristicFreshnessOnlyForHeuristicallyCacheableStatuses() {
        long tenDaysAgo = System.currentTimeMillis() - 10 * 86_400_000L;
        origin().set("/c/heuristic", "x", "Last-Modified", httpDate(tenDaysAgo));
        get("/c/heuristic");
        assertStatus(get("/c/heuristic"), "HIT");
        origin().set("/c/found", new CacheOrigin.Answer(302, "", 0, false, "Location", "/elsewhere",
                "Last-Modified", httpDate(tenDaysAgo)));
        given().redirects().follow(false).get("/c/found");
        Response again = given().redirects().follow(false).get("/c/found");
        assertStatus(again, "MISS");
        assertEquals(2, origin().hits("/c/found"), "302 is not heuristically cacheable");
        origin().set("/c/nothing", "x");
        get("/c/nothing");
        assertStatus(get("/c/nothing"), "MISS");
    }

    @Test
    void theRouteTtlIsTheFreshnessOfResponsesWithoutAnyAndItsVaryHeadersKeyTheEntry() {
        origin().set("/t/plain", "x");
        get("/t/plain", "X-Tenant", "a");
        assertStatus(get("/t/plain", "X-Tenant", "a"), "HIT");
        assertStatus(get("/t/plain", "X-Tenant", "b"), "MISS");
        assertStatus(get("/t/plain", "X-Tenant", "b"), "HIT");
        assertStatus(get("/t/plain"), "MISS");
        // the upstream's own freshness still wins over the route's ttl
        origin().set("/t/zero", "x", "Cache-Control", "max-age=0");
        get("/t/zero");
        assertStatus(get("/t/zero"), "MISS");
    }

    @Test
    void theQueryIsPartOfTheKey() {
        origin().set("/c/query", "x", "Cache-Control", "max-age=60");
        get("/c/query?page=1");
        assertStatus(get("/c/query?page=1"), "HIT");
        assertStatus(get("/c/query?page=2"), "MISS");
    }

    // ---- §4.1 Vary ------------------------------------------------------------------------------------------

    @Test
    void varyKeepsAVariantPerHeaderValueAndVaryStarIsNeverStored() {
        origin().set("/c/vary", "x", "Cache-Control", "max-age=60", "Vary", "Accept-Language");
        assertStatus(get("/c/vary", "Accept-Language", "en"), "MISS");
        assertStatus(get("/c/vary", "Accept-Language", "fr"), "MISS");
        assertTrue(get("/c/vary", "Accept-Language", "de").header("Cache-Status").contains("fwd=vary-miss"));
        assertStatus(get("/c/vary", "Accept-Language", "en"), "HIT");
        assertStatus(get("/c/vary", "Accept-Language", "fr"), "HIT");
        assertStatus(get("/c/vary"), "MISS");
        origin().set("/c/vary-star", "x", "Cache-Control", "max-age=60", "Vary", "*");
        get("/c/vary-star");
        assertStatus(get("/c/vary-star"), "MISS");
    }

    @Test
    void aGzipVariantNeverReachesAClientThatDidNotAskForIt() {
        origin().set("/c/gzip", "GZIPPED", "Cache-Control", "max-age=60", "Vary", "Accept-Encoding",
                "Content-Encoding", "gzip");
        assertStatus(raw().header("Accept-Encoding", "gzip").get("/c/gzip"), "MISS");
        assertStatus(raw().header("Accept-Encoding", "gzip").get("/c/gzip"), "HIT");
        origin().set("/c/gzip", "plain", "Cache-Control", "max-age=60", "Vary", "Accept-Encoding");
        Response identity = raw().header("Accept-Encoding", "identity").get("/c/gzip");
        assertStatus(identity, "MISS");
        assertNull(identity.header("Content-Encoding"));
        assertEquals("plain", identity.asString());
        assertStatus(raw().header("Accept-Encoding", "gzip").get("/c/gzip"), "HIT");
    }

    /** A request whose response body is taken as sent (no gzip decoding by the client). */
    private static RequestSpecification raw() {
        return given().config(io.restassured.RestAssured.config().decoderConfig(
                io.restassured.config.DecoderConfig.decoderConfig().noContentDecoders()));
    }

    // ---- §4.3 validation ------------------------------------------------------------------------------------

    @Test
    void aStaleEntryIsValidatedAndA304RefreshesIt() {
        origin().set("/c/etag", "v1", "Cache-Control", "max-age=0", "ETag", "\"v1\"");
        get("/c/etag");
        Response second = get("/c/etag");
        assertStatus(second, "REVALIDATED");
        assertEquals("Gatehouse; fwd=stale; fwd-status=304", second.header("Cache-Status"));
        assertEquals("v1", second.asString());
        assertEquals("\"v1\"", origin().lastRequest("/c/etag").get("If-None-Match"));
        assertEquals(1, origin().notModified("/c/etag"));
        // a 304 that brings new freshness makes it fresh again
        origin().set("/c/etag", "v1", "Cache-Control", "max-age=60", "ETag", "\"v1\"");
        assertStatus(get("/c/etag"), "REVALIDATED");
        assertStatus(get("/c/etag"), "HIT");
        // a changed resource answers 200: stored and served in place of the old one
        origin().set("/c/etag", "v2", "Cache-Control", "max-age=0", "ETag", "\"v2\"");
        Response changed = get("/c/etag", "Cache-Control", "no-cache");
        assertEquals("v2", changed.asString());
        assertEquals("MISS", changed.header("X-Cache-Status"));
        assertEquals("v2", get("/c/etag").asString());
    }

    @Test
    void lastModifiedValidatesWithIfModifiedSince() {
        String lm = httpDate(System.currentTimeMillis() - 3_600_000);
        origin().set("/c/lm", "lm", "Cache-Control", "no-cache", "Last-Modified", lm);
        get("/c/lm");
        Response r = get("/c/lm");
        assertStatus(r, "REVALIDATED");
        assertEquals(lm, origin().lastRequest("/c/lm").get("If-Modified-Since"));
    }

    @Test
    void aClientsOwnConditionalRequestIsAnswered304FromTheCache() {
        origin().set("/c/cond", "body", "Cache-Control", "max-age=60", "ETag", "\"abc\"");
        get("/c/cond");
        Response r = get("/c/cond", "If-None-Match", "W/\"abc\"");
        assertEquals(304, r.statusCode());
        assertStatus(r, "HIT");
        assertEquals("\"abc\"", r.header("ETag"));
        assertEquals("", r.asString());
        assertEquals(1, origin().hits("/c/cond"));
        assertEquals(200, get("/c/cond", "If-None-Match", "\"other\"").statusCode());
    }

    // ---- §5.2.1 request directives --------------------------------------------------------------------------

    @Test
    void requestDirectivesNoCacheMaxAgeMinFreshOnlyIfCached() throws Exception {
        origin().set("/c/req", "x", "Cache-Control", "max-age=60", "ETag", "\"r\"");
        Response notCached = get("/c/req", "Cache-Control", "only-if-cached");
        assertEquals(504, notCached.statusCode());
        assertEquals("not_cached", notCached.jsonPath().getString("error"));
        assertEquals(0, origin().hits("/c/req"));
        get("/c/req");
        assertStatus(get("/c/req", "Cache-Control", "only-if-cached"), "HIT");
        assertStatus(get("/c/req", "Cache-Control", "no-cache"), "REVALIDATED");
        Thread.sleep(1100);
        assertStatus(get("/c/req", "Cache-Control", "max-age=0"), "REVALIDATED");
        assertStatus(get("/c/req", "Cache-Control", "min-fresh=120"), "REVALIDATED");
        assertStatus(get("/c/req", "Cache-Control", "min-fresh=10"), "HIT");
    }

    @Test
    void maxStaleServesStaleUnlessTheResponseMustRevalidate() throws Exception {
        origin().set("/c/stale", "s", "Cache-Control", "max-age=1");
        origin().set("/c/must", "m", "Cache-Control", "max-age=1, must-revalidate", "ETag", "\"m\"");
        get("/c/stale");
        get("/c/must");
        Thread.sleep(2100);
        Response stale = get("/c/stale", "Cache-Control", "max-stale=60");
        assertStatus(stale, "STALE");
        assertTrue(Integer.parseInt(stale.header("Age")) >= 2);
        assertStatus(get("/c/stale", "Cache-Control", "max-stale=0"), "MISS");
        assertStatus(get("/c/must", "Cache-Control", "max-stale"), "REVALIDATED");
        // proxy-revalidate and s-maxage say the same to a shared cache (§5.2.2.8, §5.2.2.10)
        origin().set("/c/proxy-revalidate", "p", "Cache-Control", "max-age=1, proxy-revalidate");
        origin().set("/c/s-maxage-stale", "q", "Cache-Control", "s-maxage=1");
        get("/c/proxy-revalidate");
        get("/c/s-maxage-stale");
        Thread.sleep(1100);
        assertStatus(get("/c/proxy-revalidate", "Cache-Control", "max-stale=60"), "MISS");
        assertStatus(get("/c/s-maxage-stale", "Cache-Control", "max-stale=60"), "MISS");
    }

    // ---- §4.4 invalidation, methods, HEAD ------------------------------------------------------------------

    @Test
    void aSuccessfulUnsafeRequestInvalidatesItsUriAndLocationOnAnyRoute() {
        origin().set("/c/item", "x", "Cache-Control", "max-age=60");
        origin().set("/c/other", "x", "Cache-Control", "max-age=60");
        get("/c/item");
        get("/c/other");
        assertStatus(get("/c/item"), "HIT");
        // the write is answered by the origin on the same URL: the stored GET is never its answer
        origin().set("/c/item", new CacheOrigin.Answer(200, "written", 0, false, "Location", "/c/other"));
        Response post = given().body("{}").post("/c/item");
        assertEquals("written", post.asString());
        assertEquals("POST", post.header("X-Origin-Method"));
        origin().set("/c/item", "x2", "Cache-Control", "max-age=60");
        assertStatus(get("/c/item"), "MISS");
        assertStatus(get("/c/other"), "MISS");
        // a write through another route (/w/** takes only writes) drops what /c/** stored for its URL
        origin().set("/w/thing", "x", "Cache-Control", "max-age=60");
        get("/c/item");
        assertStatus(get("/c/item"), "HIT");
        origin().set("/w/thing", new CacheOrigin.Answer(201, "", 0, false, "Location", "/c/item"));
        assertEquals(201, given().body("{}").put("/w/thing").statusCode());
        assertStatus(get("/c/item"), "MISS");
        // a failed write changes nothing
        origin().set("/c/item", new CacheOrigin.Answer(409, "conflict", 0, false));
        given().body("{}").delete("/c/item");
        origin().set("/c/item", "x3", "Cache-Control", "max-age=60");
        assertStatus(get("/c/item"), "HIT");
    }

    @Test
    void aRouteCanNameRelatedCollectionsToInvalidate() {
        origin().set("/rel/list", "[1,2]", "Cache-Control", "max-age=60");
        get("/rel/list");
        assertStatus(get("/rel/list"), "HIT");
        origin().set("/rel/7", new CacheOrigin.Answer(204, "", 0, false));
        String before = metrics();
        given().body("{}").put("/rel/7").then().statusCode(204);
        assertStatus(get("/rel/list"), "MISS");
        assertEquals(1.0, value(metrics(), "gatehouse_cache_invalidations_total")
                - Math.max(0, value(before, "gatehouse_cache_invalidations_total")));
    }

    @Test
    void headIsAnsweredFromAStoredGet() {
        origin().set("/c/head", "0123456789", "Cache-Control", "max-age=60");
        get("/c/head");
        Response head = given().head("/c/head");
        assertStatus(head, "HIT");
        assertEquals("10", head.header("Content-Length"));
        assertEquals("", head.asString());
        assertEquals(1, origin().hits("/c/head"));
    }

    // ---- authenticated routes, Authorization, Set-Cookie, size ---------------------------------------------

    @Test
    void anAuthenticatedResponseNeverReachesAnotherCallerUnlessPublic() {
        origin().set("/users/me", "private data", "Cache-Control", "max-age=60");
        Response alice = get("/users/me", "X-API-Key", CacheTestResource.ALICE_KEY);
        assertEquals(200, alice.statusCode());
        assertStatus(get("/users/me", "X-API-Key", CacheTestResource.ALICE_KEY), "HIT");
        assertStatus(get("/users/me", "X-API-Key", CacheTestResource.BOB_KEY), "MISS");
        assertEquals(401, get("/users/me").statusCode(), "a hit is still authenticated");
        origin().set("/users/catalog", "for all", "Cache-Control", "public, max-age=60");
        get("/users/catalog", "X-API-Key", CacheTestResource.ALICE_KEY);
        assertStatus(get("/users/catalog", "X-API-Key", CacheTestResource.BOB_KEY), "HIT");
    }

    @Test
    void aRequestWithAuthorizationOnAnOpenRouteIsStoredOnlyWhenTheResponseAllows() {
        origin().set("/c/authz", "x", "Cache-Control", "max-age=60");
        get("/c/authz", "Authorization", "Basic dTpw");
        assertStatus(get("/c/authz", "Authorization", "Basic dTpw"), "MISS");
        origin().set("/c/authz-public", "x", "Cache-Control", "public, max-age=60");
        get("/c/authz-public", "Authorization", "Basic dTpw");
        assertStatus(get("/c/authz-public"), "HIT");
    }

    @Test
    void setCookieResponsesAreNotStoredUnlessTheRouteAllowsAndThenWithoutTheCookie() {
        origin().set("/c/cookie", "x", "Cache-Control", "max-age=60", "Set-Cookie", "session=abc");
        get("/c/cookie");
        assertStatus(get("/c/cookie"), "MISS");
        origin().set("/cookie/page", "x", "Cache-Control", "max-age=60", "Set-Cookie", "session=abc");
        assertEquals("session=abc", get("/cookie/page").header("Set-Cookie"), "the filling client gets its cookie");
        Response hit = get("/cookie/page");
        assertStatus(hit, "HIT");
        assertNull(hit.header("Set-Cookie"), "no other client gets it");
    }

    @Test
    void bodiesOverTheRoutesMaxObjectSizeStreamThroughUncached() {
        origin().set("/small/big", "01234567890123456789", "Cache-Control", "max-age=60");
        assertEquals("01234567890123456789", get("/small/big").asString());
        assertStatus(get("/small/big"), "MISS");
        origin().set("/small/tiny", "0123", "Cache-Control", "max-age=60");
        get("/small/tiny");
        assertStatus(get("/small/tiny"), "HIT");
    }

    // ---- coalescing, stale-if-error, metrics -----------------------------------------------------------------

    @Test
    void concurrentMissesMakeOneUpstreamRequest() throws Exception {
        origin().set("/c/slow", new CacheOrigin.Answer(200, "slow", 400, false, "Cache-Control", "max-age=60"));
        String before = metrics();
        ExecutorService pool = Executors.newFixedThreadPool(100);
        int misses = 0;
        int coalesced = 0;
        try {
            List<Future<Response>> all = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                all.add(pool.submit(() -> get("/c/slow")));
            }
            for (Future<Response> f : all) {
                Response r = f.get();
                assertEquals(200, r.statusCode());
                assertEquals("slow", r.asString());
                misses += "MISS".equals(r.header("X-Cache-Status")) ? 1 : 0;
                coalesced += r.header("Cache-Status").contains("detail=coalesced") ? 1 : 0;
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, origin().hits("/c/slow"));
        assertEquals(1, misses, "one went upstream; the others waited for it or came after");
        String series = "gatehouse_cache_coalesced_total{route=\"c\"}";
        assertEquals(coalesced, value(metrics(), series) - Math.max(0, value(before, series)));
        assertTrue(coalesced >= 1, "some arrived while the first was upstream");
    }

    @Test
    void anEntryThatExpiresUnderLoadMakesOneUpstreamRequest() throws Exception {
        origin().set("/c/expiring", new CacheOrigin.Answer(200, "v", 300, false, "Cache-Control", "max-age=1"));
        get("/c/expiring");
        Thread.sleep(1100);
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            List<Future<Response>> all = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                all.add(pool.submit(() -> get("/c/expiring")));
            }
            for (Future<Response> f : all) {
                assertEquals(200, f.get().statusCode());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(2, origin().hits("/c/expiring"), "the fill, then one refresh for all twenty");
    }

    @Test
    void waitersOnAFillThatIsStaleAtOnceValidateWithItsValidators() throws Exception {
        origin().set("/c/stale-fill", new CacheOrigin.Answer(200, "v", 300, false,
                "Cache-Control", "max-age=0", "ETag", "\"sf\""));
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<Response>> all = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                all.add(pool.submit(() -> get("/c/stale-fill")));
            }
            for (Future<Response> f : all) {
                Response r = f.get();
                assertEquals("v", r.asString());
                assertTrue(List.of("MISS", "REVALIDATED").contains(r.header("X-Cache-Status")), r.headers().toString());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(origin().hits("/c/stale-fill") - 1, origin().notModified("/c/stale-fill"),
                "every request after the first asked with the stored ETag (max-age=0 needs validation every time)");
    }

    @Test
    void aResponseThatIsNotStorableReleasesTheWaitersAtOnce() throws Exception {
        origin().set("/c/slow-private", new CacheOrigin.Answer(200, "p", 300, false, "Cache-Control", "private"));
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try {
            long start = System.nanoTime();
            List<Future<Response>> all = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                all.add(pool.submit(() -> get("/c/slow-private")));
            }
            for (Future<Response> f : all) {
                assertEquals(200, f.get().statusCode());
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms < 2500, "waiters went upstream at once, not after the 3 s lock timeout: " + ms + " ms");
        } finally {
            pool.shutdownNow();
        }
        assertTrue(origin().hits("/c/slow-private") >= 2);
    }

    @Test
    void staleIfErrorServesTheStaleEntryWhenTheUpstreamFails() throws Exception {
        origin().set("/sie/page", "kept", "Cache-Control", "max-age=1");
        origin().set("/c/sie", "own", "Cache-Control", "max-age=1, stale-if-error=60");
        origin().set("/c/no-sie", "gone", "Cache-Control", "max-age=1");
        get("/sie/page");
        get("/c/sie");
        get("/c/no-sie");
        Thread.sleep(1100);
        origin().set("/sie/page", new CacheOrigin.Answer(200, "", 0, true));
        origin().set("/c/sie", new CacheOrigin.Answer(503, "down", 0, false));
        origin().set("/c/no-sie", new CacheOrigin.Answer(503, "down", 0, false));
        Response route = get("/sie/page");
        assertEquals(200, route.statusCode());
        assertEquals("kept", route.asString());
        assertStatus(route, "STALE");
        assertTrue(route.header("Cache-Status").startsWith("Gatehouse; fwd=stale; fwd-status=502"), route.header("Cache-Status"));
        Response own = get("/c/sie");
        assertEquals("own", own.asString());
        assertStatus(own, "STALE");
        assertEquals(503, get("/c/no-sie").statusCode());
    }

    @Test
    void theAccessLogRecordsTheCacheResult() throws Exception {
        origin().set("/c/logged", "x", "Cache-Control", "max-age=60");
        String miss = get("/c/logged").header("X-Request-ID");
        String hit = get("/c/logged").header("X-Request-ID");
        assertEquals("MISS", io.gatehouse.testing.AccessLogFile.line(miss).getString("cache"));
        assertEquals("HIT", io.gatehouse.testing.AccessLogFile.line(hit).getString("cache"));
    }

    @Test
    void staleWhileRevalidateAnswersAtOnceAndRefreshesInTheBackgroundOnce() throws Exception {
        origin().set("/c/swr", new CacheOrigin.Answer(200, "v1", 0, false,
                "Cache-Control", "max-age=1, stale-while-revalidate=30", "ETag", "\"v1\""));
        get("/c/swr");
        Thread.sleep(1100);
        // the origin is slow now and has a new version: the clients must not wait for it
        origin().set("/c/swr", new CacheOrigin.Answer(200, "v2", 2000, false,
                "Cache-Control", "max-age=60, stale-while-revalidate=30", "ETag", "\"v2\""));
        for (int i = 0; i < 5; i++) {
            long start = System.nanoTime();
            Response stale = get("/c/swr");
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals("v1", stale.asString(), stale.headers().toString());
            assertStatus(stale, "STALE");
            assertTrue(stale.header("Cache-Status").endsWith("detail=stale-while-revalidate"), stale.header("Cache-Status"));
            assertTrue(ms < 1000, "answered without waiting for the 2 s origin: " + ms + " ms");
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        Response refreshed = get("/c/swr");
        while (!"v2".equals(refreshed.asString()) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            refreshed = get("/c/swr");
        }
        assertEquals("v2", refreshed.asString());
        assertStatus(refreshed, "HIT");
        assertEquals(2, origin().hits("/c/swr"), "the fill, then one background refresh for the five stale answers");
        assertEquals("1", origin().lastRequest("/c/swr").get("X-Gatehouse-Refresh"));
        assertEquals("\"v1\"", origin().lastRequest("/c/swr").get("If-None-Match"), "validated with the stored ETag");
    }

    @Test
    void aHitIsStillCountedByTheRoutesRateLimitAndCarriesItsHeaders() {
        origin().set("/limited/page", "x", "Cache-Control", "max-age=60");
        Response miss = get("/limited/page");
        assertStatus(miss, "MISS");
        assertEquals("2", miss.header("RateLimit-Remaining"));
        Response hit = get("/limited/page");
        assertStatus(hit, "HIT");
        assertEquals("1", hit.header("RateLimit-Remaining"), "the hit was counted");
        assertStatus(get("/limited/page"), "HIT");
        Response refused = get("/limited/page");
        assertEquals(429, refused.statusCode(), "a stored response never gets past the limit");
        assertEquals(1, origin().hits("/limited/page"));
    }

    @Test
    void lookupsAreCountedByRouteAndResult() {
        origin().set("/c/metrics", "x", "Cache-Control", "max-age=60");
        String before = metrics();
        get("/c/metrics");
        get("/c/metrics");
        String after = metrics();
        String hit = "gatehouse_cache_lookups_total{result=\"hit\",route=\"c\"}";
        String miss = "gatehouse_cache_lookups_total{result=\"miss\",route=\"c\"}";
        assertEquals(1.0, value(after, hit) - Math.max(0, value(before, hit)));
        assertEquals(1.0, value(after, miss) - Math.max(0, value(before, miss)));
        assertTrue(value(after, "gatehouse_cache_entries") >= 1);
        assertTrue(value(after, "gatehouse_cache_bytes") > 0);
        assertFalse(after.contains("gatehouse_cache_lookups_total{result=\"hit\",route=\"writes\"}"),
                "a route without cache has no lookup series");
    }

    // ---- admin ------------------------------------------------------------------------------------------------

    private static RequestSpecification admin() {
        return given().port(io.gatehouse.testing.Ports.management())
                .header("Authorization", "Bearer " + CacheTestResource.adminToken());
    }

    @Test
    void purgeByUrlPrefixRouteAndEverythingAndStats() {
        for (String p : List.of("/c/purge/a", "/c/purge/b", "/t/purge", "/c/keep")) {
            origin().set(p, "x", "Cache-Control", "max-age=60");
            get(p);
            get(p + "?q=1");
            assertStatus(get(p), "HIT");
        }
        admin().body("{\"url\": \"/c/purge/a\"}").post("/admin/cache/purge").then().statusCode(200)
                .body("purged", org.hamcrest.Matchers.equalTo(2));
        assertStatus(get("/c/purge/a"), "MISS");
        assertStatus(get("/c/purge/b"), "HIT");
        admin().body("{\"prefix\": \"/c/purge/\"}").post("/admin/cache/purge").then().statusCode(200);
        assertStatus(get("/c/purge/b"), "MISS");
        admin().body("{\"route\": \"t\"}").post("/admin/cache/purge").then().statusCode(200);
        assertStatus(get("/t/purge"), "MISS");
        assertStatus(get("/c/keep"), "HIT");
        admin().get("/admin/cache/stats").then().statusCode(200)
                .body("store", org.hamcrest.Matchers.equalTo("local"))
                .body("maxBytes", org.hamcrest.Matchers.equalTo(16 << 20))
                .body("keysByRoute.c", org.hamcrest.Matchers.greaterThan(0));
        admin().body("{\"all\": true}").post("/admin/cache/purge").then().statusCode(200);
        assertStatus(get("/c/keep"), "MISS");
        admin().body("{\"url\": 7}").post("/admin/cache/purge").then().statusCode(400);
        admin().body("{}").post("/admin/cache/purge").then().statusCode(400);
        admin().body("not json").post("/admin/cache/purge").then().statusCode(400);
        admin().get("/admin/cache/purge").then().statusCode(405);
        given().port(io.gatehouse.testing.Ports.management()).body("{\"all\": true}").post("/admin/cache/purge")
                .then().statusCode(401);
    }
}
