package io.gatehouse.cache;

import io.vertx.core.MultiMap;

import java.util.List;

/**
 * The directives of {@code Cache-Control} (RFC 9111 §5.2) that a shared cache acts on, from every line of the field.
 * A directive given twice, or with a value that is not a valid delta-seconds, counts as the most restrictive reading
 * (§4.2.1: "a cache SHOULD consider the response to be stale"): a bad max-age is 0.
 */
record CacheControl(boolean noStore, boolean noCache, boolean noCacheQualified, boolean isPrivate, boolean isPublic,
                    boolean mustRevalidate, boolean proxyRevalidate, boolean mustUnderstand, boolean onlyIfCached,
                    long maxAge, long sMaxAge, long maxStale, long minFresh, long staleWhileRevalidate,
                    long staleIfError) {
    /** No value given. */
    static final long ABSENT = -1;
    /** {@code max-stale} without a value: any staleness is accepted. */
    static final long ANY = Long.MAX_VALUE;

    static final CacheControl NONE = new CacheControl(false, false, false, false, false, false, false, false, false,
            ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT);

    private static final CharSequence CACHE_CONTROL = io.vertx.core.http.HttpHeaders.createOptimized("Cache-Control");

    static CacheControl of(MultiMap headers) {
        if (headers.get(CACHE_CONTROL) == null) {
            return NONE; // the common case, with no list made
        }
        List<String> lines = headers.getAll(CACHE_CONTROL);
        return parse(lines.size() == 1 ? lines.get(0) : String.join(",", lines));
    }

    static CacheControl parse(String field) {
        boolean noStore = false, noCache = false, noCacheQualified = false, isPrivate = false, isPublic = false;
        boolean mustRevalidate = false, proxyRevalidate = false, mustUnderstand = false, onlyIfCached = false;
        long maxAge = ABSENT, sMaxAge = ABSENT, maxStale = ABSENT, minFresh = ABSENT, swr = ABSENT, sie = ABSENT;
        int i = 0;
        int n = field.length();
        while (i < n) {
            // name
            while (i < n && (field.charAt(i) == ' ' || field.charAt(i) == '\t' || field.charAt(i) == ',')) {
                i++;
            }
            int start = i;
            while (i < n && field.charAt(i) != '=' && field.charAt(i) != ',' && field.charAt(i) != ' '
                    && field.charAt(i) != '\t') {
                i++;
            }
            if (start == i) {
                break;
            }
            String name = field.substring(start, i).toLowerCase(java.util.Locale.ROOT);
            while (i < n && (field.charAt(i) == ' ' || field.charAt(i) == '\t')) {
                i++;
            }
            String value = null;
            if (i < n && field.charAt(i) == '=') {
                i++;
                while (i < n && (field.charAt(i) == ' ' || field.charAt(i) == '\t')) {
                    i++;
                }
                if (i < n && field.charAt(i) == '"') {
                    StringBuilder quoted = new StringBuilder();
                    i++;
                    while (i < n && field.charAt(i) != '"') {
                        if (field.charAt(i) == '\\' && i + 1 < n) {
                            i++;
                        }
                        quoted.append(field.charAt(i++));
                    }
                    i++; // the closing quote
                    value = quoted.toString();
                } else {
                    int vs = i;
                    while (i < n && field.charAt(i) != ',' && field.charAt(i) != ' ' && field.charAt(i) != '\t') {
                        i++;
                    }
                    value = field.substring(vs, i);
                }
            }
            // skip to the next comma
            while (i < n && field.charAt(i) != ',') {
                i++;
            }
            switch (name) {
                case "no-store" -> noStore = true;
                case "no-cache" -> {
                    // §5.2.2.4: with field names it only forbids sending those fields without revalidation; a shared
                    // cache that does not strip them must treat it as no-cache outright
                    noCache = true;
                    noCacheQualified |= value != null;
                }
                case "private" -> isPrivate = true; // qualified or not: this cache stores none of it (§5.2.2.7)
                case "public" -> isPublic = true;
                case "must-revalidate" -> mustRevalidate = true;
                case "proxy-revalidate" -> proxyRevalidate = true;
                case "must-understand" -> mustUnderstand = true;
                case "only-if-cached" -> onlyIfCached = true;
                case "max-age" -> maxAge = twice(maxAge, seconds(value));
                case "s-maxage" -> sMaxAge = twice(sMaxAge, seconds(value));
                case "max-stale" -> maxStale = value == null ? ANY : twice(maxStale, seconds(value));
                case "min-fresh" -> minFresh = Math.max(minFresh, seconds(value));
                case "stale-while-revalidate" -> swr = twice(swr, seconds(value));
                case "stale-if-error" -> sie = twice(sie, seconds(value));
                default -> {
                    // extensions this cache does not know are ignored (§5.2.3)
                }
            }
        }
        return new CacheControl(noStore, noCache, noCacheQualified, isPrivate, isPublic, mustRevalidate,
                proxyRevalidate, mustUnderstand, onlyIfCached, maxAge, sMaxAge, maxStale, minFresh, swr, sie);
    }

    /** A directive given twice: the lesser value (the stricter reading). */
    private static long twice(long before, long now) {
        return before == ABSENT ? now : Math.min(before, now);
    }

    /** delta-seconds (§1.2.2): digits only; too large saturates; anything else is 0 (stale at once). */
    static long seconds(String value) {
        if (value == null || value.isEmpty()) {
            return 0;
        }
        long v = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
            v = v * 10 + (c - '0');
            if (v > Integer.MAX_VALUE) {
                return Integer.MAX_VALUE; // 2^31, as §1.2.2 asks
            }
        }
        return v;
    }
}
