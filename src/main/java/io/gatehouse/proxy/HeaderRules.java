package io.gatehouse.proxy;

import io.gatehouse.pipeline.HeaderNames;
import io.gatehouse.pipeline.RequestIds;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.Map;

/**
 * Which headers cross the gateway (RFC 9110 §7.6.1): hop-by-hop headers, and any header a message's
 * {@code Connection} names, stay on their own hop; the identity headers only Gatehouse may set are never taken
 * from a client; the forwarding headers are set by the gateway.
 */
public final class HeaderRules {
    private HeaderRules() {
    }

    /** The fixed hop-by-hop set, compared without allocating. */
    static boolean isHopByHop(CharSequence name) {
        return switch (name.length()) {
            case 2 -> eq(name, "te");
            case 7 -> eq(name, "trailer") || eq(name, "upgrade");
            case 10 -> eq(name, "connection") || eq(name, "keep-alive");
            case 16 -> eq(name, "proxy-connection");
            case 17 -> eq(name, "transfer-encoding");
            case 18 -> eq(name, "proxy-authenticate");
            case 19 -> eq(name, "proxy-authorization");
            default -> false;
        };
    }

    /**
     * Headers the gateway sets itself on the upstream request, so the client's copies are dropped. Underscores
     * count as dashes here: CGI-style servers (PHP, WSGI, Rack) read {@code X_User_ID} as {@code X-User-ID}.
     */
    static boolean isSetByGateway(CharSequence name) {
        return switch (name.length()) {
            case 4 -> eq(name, "host");
            case 6 -> eq(name, "expect"); // answered by the gateway itself (100-continue)
            case 9 -> eq(name, "x-user-id");
            case 11 -> eq(name, "x-user-role");
            case 12 -> eq(name, "x-request-id");
            case 15 -> eq(name, "x-authenticated") || eq(name, "x-forwarded-for");
            case 16 -> eq(name, "x-forwarded-host");
            case 17 -> eq(name, "x-forwarded-proto");
            case 23 -> eq(name, "x-forwarded-client-cert"); // set from a verified certificate (auth: mtls) only
            default -> false;
        };
    }

    /**
     * Forwarding headers only a trusted proxy may set: from anyone else they are the client's own claims
     * ({@code Forwarded} is preferred to X-Forwarded-* by many frameworks, so it cannot be left in a client's hands).
     */
    static boolean isForwardingClaim(CharSequence name) {
        return switch (name.length()) {
            case 9 -> eq(name, "forwarded") || eq(name, "x-real-ip");
            case 16 -> eq(name, "x-forwarded-port");
            case 18 -> eq(name, "x-forwarded-prefix");
            default -> false;
        };
    }

    /** Headers that make some servers (IIS, Symfony, Zend) route by them instead of the request line: never passed. */
    static boolean isRoutingOverride(CharSequence name) {
        return switch (name.length()) {
            case 13 -> eq(name, "x-rewrite-url");
            case 14 -> eq(name, "x-original-url");
            default -> false;
        };
    }

    private static boolean eq(CharSequence name, String lower) {
        for (int i = 0; i < lower.length(); i++) {
            char c = name.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                c = (char) (c + 32);
            } else if (c == '_') {
                c = '-';
            }
            if (c != lower.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Names listed in a Connection header (other than close / keep-alive), lower-cased, as a set; null when none.
     * A set, not a list: a header naming thousands of tokens would otherwise cost headers × tokens comparisons
     * (a 19 KB head took 150 ms of event-loop time that way).
     */
    static Set<String> connectionTokens(String connection) {
        if (connection == null || connection.equalsIgnoreCase("keep-alive") || connection.equalsIgnoreCase("close")) {
            return null; // the common cases, without splitting
        }
        Set<String> tokens = null;
        int from = 0;
        int length = connection.length();
        while (from <= length) {
            int comma = connection.indexOf(',', from);
            int to = comma < 0 ? length : comma;
            String t = connection.substring(from, to).trim().toLowerCase(Locale.ROOT);
            if (!t.isEmpty() && !t.equals("close") && !t.equals("keep-alive")) {
                if (tokens == null) {
                    tokens = new HashSet<>();
                }
                tokens.add(t);
            }
            from = to + 1;
        }
        return tokens;
    }

    private static boolean named(Set<String> tokens, String name) {
        return tokens != null && tokens.contains(name.toLowerCase(Locale.ROOT));
    }

    /**
     * Copies the end-to-end headers of a client request into the upstream request and sets the forwarding ones.
     *
     * @param peerIp      the address the request came from, appended to X-Forwarded-For
     * @param trustedPeer whether that peer is a trusted proxy: then its Forwarded, X-Forwarded-Proto/Host/Port/Prefix
     *                    and X-Real-IP are kept; from anyone else they are dropped (Proto and Host set anew)
     * @param scheme      http or https, as the client used
     * @param clientHost  the host the client asked for (may be null)
     * @param upstreamHost the Host header to send
     */
    public static void forwardRequestHeaders(MultiMap from, MultiMap to, String peerIp, boolean trustedPeer, String scheme,
                                             String clientHost, String upstreamHost, String requestId) {
        Set<String> tokens = connectionTokens(joined(from, HttpHeaders.CONNECTION));
        // A body framed by Transfer-Encoding is re-framed upstream: a Content-Length beside it must never go along
        // (the upstream would read the body by it, and what follows as another request).
        boolean framedByCoding = from.contains(HttpHeaders.TRANSFER_ENCODING);
        for (Map.Entry<String, String> e : from) {
            String name = e.getKey();
            if (isHopByHop(name) || isSetByGateway(name) || named(tokens, name) || isRoutingOverride(name)
                    || (!trustedPeer && isForwardingClaim(name))
                    || (framedByCoding && HttpHeaders.CONTENT_LENGTH.toString().equalsIgnoreCase(name))) {
                continue;
            }
            to.add(name, e.getValue());
        }
        String previousFor = joined(from, "X-Forwarded-For");
        to.set(HttpHeaders.HOST, upstreamHost);
        to.set("X-Forwarded-For", previousFor == null ? peerIp : previousFor + ", " + peerIp);
        String proto = trustedPeer ? from.get("X-Forwarded-Proto") : null; // a TLS load balancer's https stays
        to.set("X-Forwarded-Proto", proto != null ? proto : scheme);
        String forwardedHost = trustedPeer ? from.get("X-Forwarded-Host") : null;
        if (forwardedHost != null || clientHost != null) {
            to.set("X-Forwarded-Host", forwardedHost != null ? forwardedHost : clientHost);
        }
        to.set(RequestIds.HEADER, requestId);
    }

    /** Copies the end-to-end headers of an upstream response into the client response. */
    public static void forwardResponseHeaders(MultiMap from, MultiMap to, String requestId) {
        Set<String> tokens = connectionTokens(joined(from, HttpHeaders.CONNECTION));
        for (Map.Entry<String, String> e : from) {
            String name = e.getKey();
            if (isHopByHop(name) || named(tokens, name)) {
                continue;
            }
            to.add(name, e.getValue());
        }
        to.set(RequestIds.HEADER, requestId);
    }

    /** Every value of a list header (it may arrive as several lines), joined with ", "; null when absent. */
    /** All values of a header joined with ", " (null when absent); no list is built for the usual one value. */
    private static String joined(MultiMap headers, CharSequence name) {
        if (!headers.contains(name)) {
            return null;
        }
        return joined0(headers, name);
    }

    private static String joined0(MultiMap headers, CharSequence name) {
        java.util.List<String> all = headers.getAll(name);
        if (all.isEmpty()) {
            return null;
        }
        return all.size() == 1 ? all.get(0) : String.join(", ", all);
    }
}
