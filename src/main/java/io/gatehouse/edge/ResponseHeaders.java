package io.gatehouse.edge;

import io.gatehouse.pipeline.Exchange;
import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the gateway does to the head of every answer on one route (or to answers no route made): removes headers,
 * fills in the security preset, sets the configured headers, and puts on the route's CORS fields. Compiled once per
 * snapshot from the server's and the route's settings into arrays of prebuilt names and values: an answer costs a
 * few header-map operations, nothing is parsed or looked up by name in a map of the gateway's own.
 */
final class ResponseHeaders {
    static final AsciiString HSTS = AsciiString.cached("Strict-Transport-Security");
    static final AsciiString HSTS_VALUE = AsciiString.cached("max-age=31536000; includeSubDomains");
    /**
     * The preset ({@code security-headers: true}) but HSTS. {@code strict-origin-when-cross-origin} rather than
     * {@code no-referrer}: other sites never see a path or query, and a downgrade to http sees nothing, while the
     * site's own pages keep the Referer that same-origin checks (CSRF defences among them) read.
     */
    static final List<ResponseHeadersConfig.Header> PRESET = List.of(
            new ResponseHeadersConfig.Header("X-Content-Type-Options", "nosniff"),
            new ResponseHeadersConfig.Header("X-Frame-Options", "DENY"),
            new ResponseHeadersConfig.Header("Referrer-Policy", "strict-origin-when-cross-origin"));
    private static final AsciiString FORWARDED_PROTO = AsciiString.cached("X-Forwarded-Proto");

    private final AsciiString[] remove;
    private final AsciiString[] presetNames;
    private final AsciiString[] presetValues;
    private final boolean hsts;
    private final AsciiString[] addNames;
    private final AsciiString[] addValues;
    private final Cors cors;

    private ResponseHeaders(List<String> remove, List<ResponseHeadersConfig.Header> preset, boolean hsts,
                           List<ResponseHeadersConfig.Header> add, Cors cors) {
        this.remove = remove.stream().map(AsciiString::new).toArray(AsciiString[]::new);
        this.presetNames = preset.stream().map(h -> new AsciiString(h.name())).toArray(AsciiString[]::new);
        this.presetValues = preset.stream().map(h -> new AsciiString(h.value())).toArray(AsciiString[]::new);
        this.hsts = hsts;
        this.addNames = add.stream().map(h -> new AsciiString(h.name())).toArray(AsciiString[]::new);
        this.addValues = add.stream().map(h -> new AsciiString(h.value())).toArray(AsciiString[]::new);
        this.cors = cors;
    }

    /**
     * The settings of one route merged with the server's: the route's adds win over the server's for the same name
     * (a name the route removes drops the server's add), removes are the union, the route's {@code security-headers}
     * overrides the server's; the preset leaves out what is removed or added. Null when there is nothing to do.
     *
     * @param server the server's settings, or null
     * @param route  the route's, or null (for answers no route made: the server's alone)
     * @param cors   the CORS policy that applies, or null
     */
    static ResponseHeaders of(ResponseHeadersConfig server, ResponseHeadersConfig route, Cors cors) {
        ResponseHeadersConfig s = server == null ? ResponseHeadersConfig.NONE : server;
        ResponseHeadersConfig r = route == null ? ResponseHeadersConfig.NONE : route;
        Map<String, String> removed = new LinkedHashMap<>(); // lower case -> as written
        s.remove().forEach(name -> removed.putIfAbsent(name.toLowerCase(Locale.ROOT), name));
        r.remove().forEach(name -> removed.putIfAbsent(name.toLowerCase(Locale.ROOT), name));
        Map<String, ResponseHeadersConfig.Header> added = new LinkedHashMap<>();
        for (ResponseHeadersConfig.Header h : s.add()) {
            String key = h.name().toLowerCase(Locale.ROOT);
            if (r.remove().stream().noneMatch(h.name()::equalsIgnoreCase)) {
                added.put(key, h);
            }
        }
        for (ResponseHeadersConfig.Header h : r.add()) {
            String key = h.name().toLowerCase(Locale.ROOT);
            added.put(key, h);
            removed.remove(key); // a server-wide remove, then the route's own value: just the value
        }
        boolean presetOn = Boolean.TRUE.equals(r.securityHeaders() != null ? r.securityHeaders() : s.securityHeaders());
        List<ResponseHeadersConfig.Header> preset = new ArrayList<>();
        boolean hsts = false;
        if (presetOn) {
            for (ResponseHeadersConfig.Header h : PRESET) {
                String key = h.name().toLowerCase(Locale.ROOT);
                if (!removed.containsKey(key) && !added.containsKey(key)) {
                    preset.add(h);
                }
            }
            String key = HSTS.toString().toLowerCase(Locale.ROOT);
            hsts = !removed.containsKey(key) && !added.containsKey(key);
        }
        if (removed.isEmpty() && preset.isEmpty() && !hsts && added.isEmpty() && cors == null) {
            return null;
        }
        return new ResponseHeaders(List.copyOf(removed.values()), preset, hsts, List.copyOf(added.values()), cors);
    }

    /** On the head of an answer, in the response phase. */
    void apply(Exchange ex) {
        MultiMap headers = ex.response().headers();
        for (AsciiString name : remove) {
            headers.remove(name);
        }
        // The preset fills in what the answer lacks: an upstream that chose its own framing or referrer policy
        // keeps it (list the header under add to override it).
        for (int i = 0; i < presetNames.length; i++) {
            if (!headers.contains(presetNames[i])) {
                headers.set(presetNames[i], presetValues[i]);
            }
        }
        if (hsts && !headers.contains(HSTS) && overTls(ex)) {
            headers.set(HSTS, HSTS_VALUE);
        }
        for (int i = 0; i < addNames.length; i++) {
            headers.set(addNames[i], addValues[i]);
        }
        if (cors != null && !Cors.preflightAnswered(ex)) {
            String origin = ex.request().getHeader(io.vertx.core.http.HttpHeaders.ORIGIN);
            if (!cors.answer(origin, headers)) {
                ex.logField("cors", "origin_refused");
            }
        }
    }

    /**
     * Whether the client reached the gateway over TLS: this connection, or one a trusted proxy in front terminated
     * ({@code X-Forwarded-Proto: https} from an address in {@code server.trusted-proxies}). HSTS is for such answers
     * only: over plain HTTP a browser ignores it, and it must not pin a site that has no TLS.
     */
    static boolean overTls(Exchange ex) {
        HttpServerRequest request = ex.request();
        if (request.isSSL()) {
            return true;
        }
        if (!ex.fromTrustedProxy()) {
            return false;
        }
        String proto = request.getHeader(FORWARDED_PROTO);
        // the first hop's, when proxies appended theirs
        return proto != null && proto.regionMatches(true, 0, "https", 0, 5)
                && (proto.length() == 5 || proto.charAt(5) == ',' || proto.charAt(5) == ' ');
    }

    /** For tests: the names this removes, the preset's, and the ones this sets, as compiled. */
    @Override
    public String toString() {
        return "remove " + List.of(remove) + ", preset " + List.of(presetNames) + (hsts ? " + HSTS" : "") + ", add "
                + List.of(addNames) + (cors != null ? ", cors" : "");
    }
}
