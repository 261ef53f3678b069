package io.gatehouse.cache;

import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One stored response (RFC 9111 §3): status, header lines, body, and what its age and freshness are computed from
 * (§4.2.3: the corrected initial age and the time it was received). Immutable; a {@code 304} that updates the
 * stored headers (§4.3.4) makes a new one. Serializes to bytes for the Redis store (binary-safe: the body is raw).
 *
 * <br>{@code url}: the effective request URI it answers ({@code http://host/path?query}), for invalidation and purge
 * <br>{@code route}: the route that stored it, for purge by route
 * <br>{@code varyNames}: the request headers the upstream's {@code Vary} named (lowercase), plus the route's own
 * <br>{@code varyValues}: the storing request's values of those headers (normalized; null where absent)
 * <br>{@code headers}: name, value, name, value… as the client gets them (hop-by-hop and per-request ones removed)
 * <br>{@code initialAgeMillis}: the corrected initial age (§4.2.3), ms
 * <br>{@code receivedMillis}: when the response was received (response_time), ms since the epoch
 * <br>{@code freshMillis}: the freshness lifetime (§4.2.1), ms
 * <br>{@code staleIfErrorMillis}: how long past freshness it may still answer when the upstream fails (0: not at all)
 * <br>{@code staleWhileRevalidateMillis}: how long past freshness it may answer while a refresh runs (0: not at all)
 * <br>{@code mustRevalidate}: never served stale (must-revalidate, proxy-revalidate, or s-maxage: §4.2.4)
 * <br>{@code noCache}: always validated before use (response no-cache)
 */
final class CachedResponse {
    private final String url;
    private final String route;
    private final List<String> varyNames;
    private final List<String> varyValues;
    private final int status;
    private final String[] headers;
    private final Buffer body;
    private final long initialAgeMillis;
    private final long receivedMillis;
    private final long freshMillis;
    private final long staleIfErrorMillis;
    private final long staleWhileRevalidateMillis;
    private final boolean mustRevalidate;
    private final boolean noCache;
    /** The header lines as AsciiStrings, made on first use: checked and written as bytes on every hit. */
    private volatile CharSequence[] wire;

    CachedResponse(String url, String route, List<String> varyNames, List<String> varyValues, int status,
                   String[] headers, Buffer body, long initialAgeMillis, long receivedMillis, long freshMillis,
                   long staleIfErrorMillis, long staleWhileRevalidateMillis, boolean mustRevalidate, boolean noCache) {
        this.url = url;
        this.route = route;
        this.varyNames = varyNames;
        this.varyValues = varyValues;
        this.status = status;
        this.headers = headers;
        this.body = body;
        this.initialAgeMillis = initialAgeMillis;
        this.receivedMillis = receivedMillis;
        this.freshMillis = freshMillis;
        this.staleIfErrorMillis = staleIfErrorMillis;
        this.staleWhileRevalidateMillis = staleWhileRevalidateMillis;
        this.mustRevalidate = mustRevalidate;
        this.noCache = noCache;
    }

    String url() {
        return url;
    }

    String route() {
        return route;
    }

    List<String> varyNames() {
        return varyNames;
    }

    List<String> varyValues() {
        return varyValues;
    }

    int status() {
        return status;
    }

    String[] headers() {
        return headers;
    }

    Buffer body() {
        return body;
    }

    long initialAgeMillis() {
        return initialAgeMillis;
    }

    long receivedMillis() {
        return receivedMillis;
    }

    long freshMillis() {
        return freshMillis;
    }

    long staleIfErrorMillis() {
        return staleIfErrorMillis;
    }

    long staleWhileRevalidateMillis() {
        return staleWhileRevalidateMillis;
    }

    boolean mustRevalidate() {
        return mustRevalidate;
    }

    boolean noCache() {
        return noCache;
    }

    /** {@link #headers} as AsciiStrings (header values are Latin-1 on the wire, so nothing is lost). */
    CharSequence[] wire() {
        CharSequence[] w = wire;
        if (w == null) {
            w = new CharSequence[headers.length];
            for (int i = 0; i < headers.length; i++) {
                w[i] = new AsciiString(headers[i]);
            }
            wire = w; // a race makes the same array twice: harmless
        }
        return w;
    }

    /** The current age (§4.2.3), ms. */
    long ageMillis(long now) {
        return initialAgeMillis + Math.max(0, now - receivedMillis);
    }

    /** Fresh (§4.2): its age is below its freshness lifetime. */
    boolean fresh(long now) {
        return ageMillis(now) < freshMillis;
    }

    /** How long past its freshness it is, ms (0 while fresh). */
    long staleness(long now) {
        return Math.max(0, ageMillis(now) - freshMillis);
    }

    /** How long a stale entry is kept at least: for validation (a 304 saves the body), max-stale, stale-if-error. */
    static final long STALE_KEPT_MILLIS = 60_000;

    /**
     * Until when it may still be of use, stale or validated (the store drops it after that; the byte bound may drop
     * it sooner), ms epoch: its freshness, then the longest of its stale-if-error, its stale-while-revalidate, and
     * its freshness lifetime again (at least a minute).
     */
    long usefulUntil() {
        long stale = Math.max(Math.max(staleIfErrorMillis, staleWhileRevalidateMillis), Math.max(freshMillis, STALE_KEPT_MILLIS));
        return receivedMillis - initialAgeMillis + freshMillis + stale;
    }

    /** Whether it carries a validator (§4.3.1) a revalidation can send. */
    boolean validator() {
        return header("ETag") != null || header("Last-Modified") != null;
    }

    /** The first value of a stored header, or null (names compare case-insensitively). */
    String header(String name) {
        for (int i = 0; i < headers.length; i += 2) {
            if (headers[i].equalsIgnoreCase(name)) {
                return headers[i + 1];
            }
        }
        return null;
    }

    /** The bytes it takes in the local store, roughly: the body, the header text and a fixed overhead. */
    int weight() {
        int w = 200 + url.length() * 2 + body.length();
        for (String h : headers) {
            w += 40 + h.length() * 2;
        }
        return w;
    }

    /**
     * After a {@code 304} (§4.3.4): the stored headers updated by the new ones (all but the framing fields), aged
     * from the validation, with the new freshness.
     */
    CachedResponse updatedBy(MultiMap fresh, long initialAge, long received, long freshFor, long staleIfError,
                             long staleWhileRevalidate, boolean mustRevalidate, boolean noCache) {
        List<String> merged = new ArrayList<>(headers.length + fresh.size() * 2);
        for (int i = 0; i < headers.length; i += 2) {
            String name = headers[i];
            if (!fresh.contains(name) || HttpCaching.keepOnUpdate(name)) {
                merged.add(name);
                merged.add(headers[i + 1]);
            }
        }
        for (java.util.Map.Entry<String, String> e : fresh) {
            if (!HttpCaching.keepOnUpdate(e.getKey()) && HttpCaching.storable(e.getKey())) {
                merged.add(e.getKey());
                merged.add(e.getValue());
            }
        }
        return new CachedResponse(url, route, varyNames, varyValues, status, merged.toArray(String[]::new), body,
                initialAge, received, freshFor, staleIfError, staleWhileRevalidate, mustRevalidate, noCache);
    }

    // --- bytes, for the Redis store ------------------------------------------------------------------------

    private static final int FORMAT = 1;

    Buffer toBuffer() {
        Buffer b = Buffer.buffer(body.length() + 512);
        b.appendInt(FORMAT);
        string(b, url);
        string(b, route);
        b.appendInt(varyNames.size());
        for (int i = 0; i < varyNames.size(); i++) {
            string(b, varyNames.get(i));
            string(b, varyValues.get(i));
        }
        b.appendInt(status);
        b.appendInt(headers.length);
        for (String h : headers) {
            string(b, h);
        }
        b.appendLong(initialAgeMillis).appendLong(receivedMillis).appendLong(freshMillis)
                .appendLong(staleIfErrorMillis).appendLong(staleWhileRevalidateMillis)
                .appendByte((byte) ((mustRevalidate ? 1 : 0) | (noCache ? 2 : 0)));
        b.appendInt(body.length()).appendBuffer(body);
        return b;
    }

    /** Reads {@link #toBuffer}'s bytes; null for anything else (another format, a truncated value). */
    static CachedResponse fromBuffer(Buffer b) {
        try {
            int[] at = {0};
            if (b.getInt(0) != FORMAT) {
                return null;
            }
            at[0] = 4;
            String url = string(b, at);
            String route = string(b, at);
            int vn = b.getInt(at[0]);
            at[0] += 4;
            List<String> names = new ArrayList<>(vn);
            List<String> values = new ArrayList<>(vn);
            for (int i = 0; i < vn; i++) {
                names.add(string(b, at));
                values.add(string(b, at));
            }
            int status = b.getInt(at[0]);
            int hn = b.getInt(at[0] + 4);
            at[0] += 8;
            String[] headers = new String[hn];
            for (int i = 0; i < hn; i++) {
                headers[i] = string(b, at);
            }
            int p = at[0];
            long initialAge = b.getLong(p);
            long received = b.getLong(p + 8);
            long fresh = b.getLong(p + 16);
            long sie = b.getLong(p + 24);
            long swr = b.getLong(p + 32);
            byte flags = b.getByte(p + 40);
            int len = b.getInt(p + 41);
            Buffer body = b.getBuffer(p + 45, p + 45 + len);
            return new CachedResponse(url, route, names, values, status, headers, body, initialAge, received, fresh,
                    sie, swr, (flags & 1) != 0, (flags & 2) != 0);
        } catch (IndexOutOfBoundsException e) {
            return null;
        }
    }

    private static void string(Buffer b, String s) {
        if (s == null) {
            b.appendInt(-1);
            return;
        }
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        b.appendInt(bytes.length).appendBytes(bytes);
    }

    private static String string(Buffer b, int[] at) {
        int len = b.getInt(at[0]);
        at[0] += 4;
        if (len < 0) {
            return null;
        }
        String s = b.getString(at[0], at[0] + len, "UTF-8");
        at[0] += len;
        return s;
    }
}
