package io.gatehouse.edge;

import io.gatehouse.pipeline.AttributeKey;
import io.gatehouse.pipeline.Exchange;
import io.gatehouse.pipeline.LocalReply;
import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * One route's CORS policy (or the server's, for answers no route made), compiled from a {@link CorsConfig}: immutable,
 * shared by every request. It answers preflights ({@link #allowsPreflight}, {@link #preflight}) and puts the
 * {@code Access-Control-*} fields on actual answers ({@link #answer}), per the Fetch standard's CORS protocol.
 */
final class Cors {
    static final AsciiString ALLOW_ORIGIN = AsciiString.cached("Access-Control-Allow-Origin");
    static final AsciiString ALLOW_CREDENTIALS = AsciiString.cached("Access-Control-Allow-Credentials");
    static final AsciiString EXPOSE_HEADERS = AsciiString.cached("Access-Control-Expose-Headers");
    static final AsciiString ALLOW_METHODS = AsciiString.cached("Access-Control-Allow-Methods");
    static final AsciiString ALLOW_HEADERS = AsciiString.cached("Access-Control-Allow-Headers");
    static final AsciiString MAX_AGE = AsciiString.cached("Access-Control-Max-Age");
    static final AsciiString ALLOW_PRIVATE_NETWORK = AsciiString.cached("Access-Control-Allow-Private-Network");
    /** What an upstream may have said about CORS: on a route with the gateway's policy, the gateway's word replaces it. */
    private static final AsciiString[] RESPONSE_FIELDS = {ALLOW_ORIGIN, ALLOW_CREDENTIALS, EXPOSE_HEADERS, ALLOW_METHODS,
            ALLOW_HEADERS, MAX_AGE, ALLOW_PRIVATE_NETWORK};
    private static final AsciiString ORIGIN = AsciiString.cached("Origin");
    private static final AsciiString VARY = AsciiString.cached("Vary");
    private static final java.util.Set<String> SAFELISTED = java.util.Set.of("GET", "HEAD", "POST");
    /** A preflight answer that echoes what was asked depends on it too: caches that keep OPTIONS answers must know. */
    private static final AsciiString VARY_ASKED_METHOD = AsciiString.cached("Access-Control-Request-Method");
    private static final AsciiString VARY_ASKED_HEADERS = AsciiString.cached("Access-Control-Request-Headers");
    private static final AsciiString STAR = AsciiString.cached("*");
    private static final AsciiString TRUE = AsciiString.cached("true");
    /** The methods a preflight may ask for on a route that takes every method and names none in its policy. */
    static final List<String> DEFAULT_METHODS = List.of("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT");

    /** Set on an exchange whose preflight a {@link CorsFeature} filter answered: its answer carries its own fields. */
    static final AttributeKey<Boolean> PREFLIGHT_ANSWERED = AttributeKey.of("cors preflight answered");

    private final CorsOrigins origins;
    private final boolean credentials;
    private final boolean anyMethod;
    private final String[] methods;
    private final AsciiString allowMethods;
    private final boolean anyHeader;
    /** Lower case. */
    private final String[] headers;
    /** Null when no header may be asked for (or any may: then the asked ones are echoed). */
    private final AsciiString allowHeaders;
    private final AsciiString exposeHeaders;
    private final AsciiString maxAge;

    private Cors(CorsOrigins origins, boolean credentials, boolean anyMethod, String[] methods, boolean anyHeader,
                 List<String> allowHeaders, List<String> expose, long maxAgeSeconds) {
        this.origins = origins;
        this.credentials = credentials;
        this.anyMethod = anyMethod;
        this.methods = methods;
        this.allowMethods = methods.length == 0 ? null : new AsciiString(String.join(", ", methods));
        this.anyHeader = anyHeader;
        this.headers = allowHeaders.stream().map(h -> h.toLowerCase(Locale.ROOT)).toArray(String[]::new);
        this.allowHeaders = anyHeader || allowHeaders.isEmpty() ? null : new AsciiString(String.join(", ", allowHeaders));
        this.exposeHeaders = expose.isEmpty() ? null : new AsciiString(String.join(", ", expose));
        this.maxAge = maxAgeSeconds < 0 ? null : new AsciiString(Long.toString(maxAgeSeconds));
    }

    /**
     * @param routeMethods the route's methods (empty: every method), which a policy without {@code methods} allows
     */
    static Cors of(CorsConfig config, Set<String> routeMethods) {
        boolean anyMethod = config.methods().contains(CorsConfig.ANY);
        TreeSet<String> methods = new TreeSet<>();
        if (!anyMethod) {
            if (!config.methods().isEmpty()) {
                methods.addAll(config.methods());
            } else if (routeMethods.isEmpty()) {
                methods.addAll(DEFAULT_METHODS);
            } else {
                methods.addAll(routeMethods);
                methods.remove("OPTIONS"); // the preflight's own method: never what it asks about
            }
        }
        boolean anyHeader = config.headers().contains(CorsConfig.ANY);
        return new Cors(CorsOrigins.of(config.origins()), config.credentials(), anyMethod, methods.toArray(String[]::new),
                anyHeader, anyHeader ? List.of() : config.headers(), config.exposeHeaders(), config.maxAgeSeconds());
    }

    /** Whether the answer depends on the request's Origin (false only for {@code origins: ["*"]}). */
    boolean dependsOnOrigin() {
        return !origins.any();
    }

    /**
     * Whether a preflight from {@code origin} asking for {@code method} and the header names listed in
     * {@code asked} (null: none) is allowed.
     */
    boolean allowsPreflight(String origin, String method, String asked) {
        return origins.allows(origin) && allowsMethod(method) && allowsHeaders(asked);
    }

    private boolean allowsMethod(String method) {
        if (method == null || !isToken(method, 0, method.length())) {
            return false;
        }
        if (anyMethod || SAFELISTED.contains(method)) {
            // GET, HEAD and POST need no listing: browsers never check them against Access-Control-Allow-Methods
            // (Fetch's CORS-preflight fetch), and the route the preflight was judged by takes the method asked about
            return true;
        }
        for (String m : methods) {
            if (m.equals(method)) { // methods are case-sensitive (Fetch upper-cases the standard ones itself)
                return true;
            }
        }
        return false;
    }

    /** Each comma-separated name of {@code Access-Control-Request-Headers} is a token the policy allows. */
    private boolean allowsHeaders(String asked) {
        if (asked == null) {
            return true;
        }
        int n = asked.length();
        int i = 0;
        while (i < n) {
            while (i < n && (asked.charAt(i) == ' ' || asked.charAt(i) == '\t' || asked.charAt(i) == ',')) {
                i++;
            }
            int start = i;
            while (i < n && asked.charAt(i) != ',') {
                i++;
            }
            int end = i;
            while (end > start && (asked.charAt(end - 1) == ' ' || asked.charAt(end - 1) == '\t')) {
                end--;
            }
            if (end == start) {
                continue;
            }
            if (!isToken(asked, start, end) || !anyHeader && !listed(asked, start, end)) {
                return false;
            }
        }
        return true;
    }

    private boolean listed(String asked, int start, int end) {
        int length = end - start;
        for (String h : headers) {
            if (h.length() == length && asked.regionMatches(true, start, h, 0, length)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The answer to a preflight: 204, with the {@code Access-Control-Allow-*} fields when {@code allowed}; without
     * them otherwise, which browsers take as a refusal (Kong answers so too; a 403 would tell a script no more, and
     * the answer is the same for every refused origin).
     */
    LocalReply preflight(boolean allowed, String origin, String method, String asked) {
        LocalReply reply = LocalReply.of(204, null, null);
        if (dependsOnOrigin()) {
            reply.header(VARY, ORIGIN);
        }
        if (!allowed) {
            return reply;
        }
        reply.header(ALLOW_ORIGIN, origins.any() ? STAR : origin);
        if (credentials) {
            reply.header(ALLOW_CREDENTIALS, TRUE);
        }
        if (anyMethod) {
            reply.header(ALLOW_METHODS, method);
            reply.header(VARY, VARY_ASKED_METHOD);
        } else if (allowMethods != null) {
            reply.header(ALLOW_METHODS, allowMethods);
        }
        if (anyHeader) {
            if (asked != null && !asked.isBlank()) {
                reply.header(ALLOW_HEADERS, asked.trim()); // checked: tokens and commas only
            }
            reply.header(VARY, VARY_ASKED_HEADERS);
        } else if (allowHeaders != null) {
            reply.header(ALLOW_HEADERS, allowHeaders);
        }
        if (maxAge != null) {
            reply.header(MAX_AGE, maxAge);
        }
        return reply;
    }

    /**
     * The CORS fields of an actual answer (proxied, a filter's, or the gateway's own error): what the upstream said
     * about CORS is dropped, then {@code Access-Control-Allow-Origin} (with credentials and exposed headers) goes on
     * when the origin is allowed, and {@code Vary: Origin} whenever the answer depends on the origin, even without
     * one (a shared cache must not hand one origin's answer to another).
     *
     * @return false when the request came from an origin the policy does not allow
     */
    boolean answer(String origin, MultiMap headers) {
        for (AsciiString name : RESPONSE_FIELDS) {
            headers.remove(name);
        }
        if (origins.any()) {
            headers.set(ALLOW_ORIGIN, STAR);
            if (exposeHeaders != null) {
                headers.set(EXPOSE_HEADERS, exposeHeaders);
            }
            return true;
        }
        vary(headers, ORIGIN);
        if (origin == null) {
            return true;
        }
        if (!origins.allows(origin)) {
            return false;
        }
        headers.set(ALLOW_ORIGIN, origin);
        if (credentials) {
            headers.set(ALLOW_CREDENTIALS, TRUE);
        }
        if (exposeHeaders != null) {
            headers.set(EXPOSE_HEADERS, exposeHeaders);
        }
        return true;
    }

    /**
     * Adds {@code name} to the answer's {@code Vary}, merged into what is there: never twice, and not at all beside
     * {@code Vary: *} (which already says everything).
     */
    static void vary(MultiMap headers, AsciiString name) {
        if (!headers.contains(VARY)) {
            headers.set(VARY, name);
            return;
        }
        List<String> lines = headers.getAll(VARY);
        for (String line : lines) {
            if (listsToken(line, "*") || listsToken(line, name)) {
                return;
            }
        }
        StringBuilder merged = new StringBuilder();
        for (String line : lines) {
            String value = line.trim();
            if (!value.isEmpty()) {
                merged.append(value).append(", ");
            }
        }
        headers.set(VARY, merged.append(name).toString());
    }

    /** Whether the comma-separated list {@code line} holds {@code token} (without regard to case). */
    static boolean listsToken(String line, CharSequence token) {
        int n = line.length();
        int length = token.length();
        int i = 0;
        while (i < n) {
            while (i < n && (line.charAt(i) == ' ' || line.charAt(i) == '\t' || line.charAt(i) == ',')) {
                i++;
            }
            int start = i;
            while (i < n && line.charAt(i) != ',') {
                i++;
            }
            int end = i;
            while (end > start && (line.charAt(end - 1) == ' ' || line.charAt(end - 1) == '\t')) {
                end--;
            }
            if (end - start == length && line.regionMatches(true, start, token.toString(), 0, length)) {
                return true;
            }
        }
        return false;
    }

    /** RFC 9110 token characters, {@code text[start, end)} not empty. */
    static boolean isToken(String text, int start, int end) {
        if (end <= start) {
            return false;
        }
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0)) {
                return false;
            }
        }
        return true;
    }

    /** Marks the exchange as a preflight a policy answered, for the response phase (its fields are its own). */
    static void answered(Exchange ex) {
        ex.put(PREFLIGHT_ANSWERED, Boolean.TRUE);
    }

    static boolean preflightAnswered(Exchange ex) {
        return ex.get(PREFLIGHT_ANSWERED) != null;
    }
}
