package io.gatehouse.cache;

import io.vertx.core.MultiMap;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Set;

/**
 * RFC 9111's rules for a shared cache, as pure functions: what may be stored (§3), how long it is fresh (§4.2.1,
 * heuristics per §4.2.2), its age (§4.2.3), and which header fields a stored response keeps (§3.1, §3.2).
 */
final class HttpCaching {
    /**
     * Final status codes this cache understands (§3: a response with another code is never stored). 206 is not among
     * them: Range requests pass through (see the README).
     */
    static final Set<Integer> UNDERSTOOD = Set.of(200, 203, 204, 300, 301, 302, 303, 307, 308, 404, 405, 410, 414, 501);
    /** Heuristically cacheable by default (RFC 9110 §15.1): stored without explicit freshness. */
    static final Set<Integer> HEURISTIC = Set.of(200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501);
    /** The heuristic lifetime never exceeds this, however old Last-Modified is. */
    static final long MAX_HEURISTIC_MILLIS = 24 * 3600_000L;

    /** Never stored (§3.1 hop-by-hop and connection-specific, plus what the gateway sets per answer). */
    private static final Set<String> NOT_STORED = Set.of("connection", "keep-alive", "proxy-connection", "te",
            "transfer-encoding", "upgrade", "trailer", "proxy-authenticate", "proxy-authorization", "content-length",
            "age", "x-request-id", "x-cache-status", "set-cookie");
    /** Kept from the stored response when a 304 updates it (§3.2: Content-Length, and the representation's framing). */
    private static final Set<String> KEPT_ON_UPDATE = Set.of("content-length", "content-encoding", "content-type",
            "content-range", "transfer-encoding");

    private HttpCaching() {
    }

    /** Whether a header line from the upstream is stored with the response. */
    static boolean storable(String name) {
        return !NOT_STORED.contains(name.toLowerCase(Locale.ROOT));
    }

    /** Whether a stored field stays as stored when a 304 brings a new value (§3.2). */
    static boolean keepOnUpdate(String name) {
        return KEPT_ON_UPDATE.contains(name.toLowerCase(Locale.ROOT));
    }

    /**
     * Why this GET's response may not be stored (§3 for a shared cache), or null when it may.
     *
     * @param request       the request's directives
     * @param authorization the request carried {@code Authorization} and the gateway did not authenticate the caller
     *                      itself (per-caller keys cover that case)
     * @param routeTtl      the route's {@code ttl} (0: none)
     * @param setCookieOk   the route lets responses with {@code Set-Cookie} be stored
     */
    static String notStorable(CacheControl request, boolean authorization, int status, MultiMap headers,
                              CacheControl response, long routeTtl, boolean setCookieOk) {
        if (!UNDERSTOOD.contains(status)) {
            return "status";
        }
        if (response.noStore() && !response.mustUnderstand() || request.noStore()) {
            return "no-store";
        }
        if (response.isPrivate()) {
            return "private";
        }
        if (authorization && !response.isPublic() && !response.mustRevalidate() && response.sMaxAge() == CacheControl.ABSENT) {
            return "authorization"; // §3.5
        }
        if (!setCookieOk && headers.contains("Set-Cookie")) {
            return "set-cookie";
        }
        String vary = headers.get("Vary");
        if (vary != null && vary.contains("*")) {
            return "vary-star"; // §4.1: never matches a later request
        }
        if (headers.contains("Content-Range")) {
            return "partial";
        }
        boolean explicit = response.isPublic() || response.maxAge() != CacheControl.ABSENT
                || response.sMaxAge() != CacheControl.ABSENT || headers.contains("Expires");
        if (!explicit && !(HEURISTIC.contains(status) && (routeTtl > 0 || headers.contains("Last-Modified")))) {
            return "no-freshness";
        }
        return null;
    }

    /**
     * The freshness lifetime (§4.2.1), ms: s-maxage, max-age, Expires less Date; then the route's {@code ttl}; then
     * 10% of the time since Last-Modified (§4.2.2) for a heuristically cacheable status; else 0.
     */
    static long freshness(int status, MultiMap headers, CacheControl cc, long routeTtl, long receivedMillis) {
        if (cc.sMaxAge() != CacheControl.ABSENT) {
            return cc.sMaxAge() * 1000;
        }
        if (cc.maxAge() != CacheControl.ABSENT) {
            return cc.maxAge() * 1000;
        }
        String expires = headers.get("Expires");
        if (expires != null) {
            long at = date(expires);
            if (at < 0) {
                return 0; // an invalid Expires (such as "0") is a time in the past
            }
            long date = date(headers.get("Date"));
            return Math.max(0, at - (date < 0 ? receivedMillis : date));
        }
        if (!HEURISTIC.contains(status)) {
            return 0;
        }
        if (routeTtl > 0) {
            return routeTtl;
        }
        long modified = date(headers.get("Last-Modified"));
        if (modified < 0) {
            return 0;
        }
        long date = date(headers.get("Date"));
        long since = (date < 0 ? receivedMillis : date) - modified;
        return since <= 0 ? 0 : Math.min(MAX_HEURISTIC_MILLIS, since / 10);
    }

    /**
     * The corrected initial age (§4.2.3), ms: the larger of the apparent age (received less Date) and the upstream's
     * {@code Age} plus the time the response took to arrive.
     */
    static long initialAge(MultiMap headers, long requestMillis, long receivedMillis) {
        long date = date(headers.get("Date"));
        long apparent = date < 0 ? 0 : Math.max(0, receivedMillis - date);
        long ageValue = CacheControl.seconds(headers.get("Age")) * 1000;
        return Math.max(apparent, ageValue + Math.max(0, receivedMillis - requestMillis));
    }

    /** An HTTP-date (IMF-fixdate; RFC 850 and asctime forms are refused as invalid), ms since the epoch; -1 if invalid. */
    static long date(String value) {
        if (value == null || value.length() < 20) {
            return -1;
        }
        try {
            return ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            return -1;
        }
    }

    static String httpDate(long millis) {
        return DateTimeFormatter.RFC_1123_DATE_TIME.format(
                java.time.Instant.ofEpochMilli(millis).atZone(java.time.ZoneOffset.UTC));
    }

    /** An entity tag list matches (weak comparison, §13.1.2 of RFC 9110), {@code *} included. */
    static boolean noneMatch(String ifNoneMatch, String etag) {
        if (etag == null) {
            return false;
        }
        String stored = weakless(etag.trim());
        for (String candidate : ifNoneMatch.split(",")) {
            String c = candidate.trim();
            if (c.equals("*") || weakless(c).equals(stored)) {
                return true;
            }
        }
        return false;
    }

    private static String weakless(String tag) {
        return tag.startsWith("W/") ? tag.substring(2) : tag;
    }
}
