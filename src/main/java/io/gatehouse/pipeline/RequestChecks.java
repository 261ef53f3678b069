package io.gatehouse.pipeline;

import io.gatehouse.routing.RequestPath;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;

import java.util.Map;

/**
 * What a request must be before anything acts on it, beyond what the HTTP decoder checks: the parts upstreams
 * would read in different ways are refused with 400, never forwarded. The path has its own rules
 * ({@link RequestPath}); these are the method, the query, the Host, and HTTP/2 header fields (Netty's HTTP/2 codec
 * lets a NUL, CR or LF inside a value through, which the HTTP/1.1 decoder refuses).
 */
final class RequestChecks {
    private RequestChecks() {
    }

    /** A refused request's answer: status, error code, message (never echoing what was sent). */
    record Refusal(int status, String code, String message) {
        static Refusal badRequest(String message) {
            return new Refusal(400, "bad_request", message);
        }
    }

    private static final Refusal CODING = new Refusal(501, "unsupported_transfer_coding",
            "the only transfer coding accepted is a single 'chunked'");

    /** Why the request is refused, or null. */
    /** @param authority the host the request is for, as sent ({@link Exchange#authority()}) */
    static Refusal refusal(HttpServerRequest request, String authority) {
        // Framing first: a Transfer-Encoding that is not a single chunked decides that the connection is closed.
        if (request.version() != HttpVersion.HTTP_2 && request.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
            if (request.version() == HttpVersion.HTTP_1_0) {
                return Refusal.badRequest("HTTP/1.0 has no Transfer-Encoding"); // RFC 9112 §6.1: faulty framing
            }
            if (request.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
                // Netty drops the length beside chunked only for a request line that says exactly HTTP/1.1
                return Refusal.badRequest("both Transfer-Encoding and Content-Length");
            }
            Refusal coding = transferCoding(request.headers().getAll(HttpHeaders.TRANSFER_ENCODING));
            if (coding != null) {
                return coding;
            }
        }
        String why = badRequest(request, authority);
        return why == null ? null : Refusal.badRequest(why);
    }

    /**
     * RFC 9112 §6.1: chunked must be the final coding and applied once; a coding the gateway does not implement is
     * 501. Only a single {@code chunked} passes: the body is then framed by it (Netty's decoder has already dropped
     * a Content-Length sent beside it, as §6.3 allows).
     */
    private static Refusal transferCoding(java.util.List<String> values) {
        int chunked = 0;
        boolean other = false;
        String last = null;
        for (String value : values) {
            for (String coding : value.split(",")) {
                String c = coding.trim();
                if (c.isEmpty()) {
                    continue;
                }
                last = c;
                if (c.equalsIgnoreCase("chunked")) {
                    chunked++;
                } else {
                    other = true;
                }
            }
        }
        if (other) {
            return CODING;
        }
        if (chunked != 1 || !"chunked".equalsIgnoreCase(last)) {
            return Refusal.badRequest("the Transfer-Encoding is not a single, final 'chunked'");
        }
        return null;
    }

    private static String badRequest(HttpServerRequest request, String authority) {
        String method = request.method().name();
        for (int i = 0; i < method.length(); i++) {
            char c = method.charAt(i);
            if (c >= 'a' && c <= 'z') {
                // Methods are case-sensitive (RFC 9110 §9.1): "get" is not GET, yet some servers would run it as GET.
                return "the method must be upper case (methods are case-sensitive)";
            }
        }
        String query = request.query();
        if (query != null && !RequestPath.isSafeQuery(query)) {
            return "the query holds a character that must be percent-encoded";
        }
        if (request.version() == HttpVersion.HTTP_2) {
            String bad = badHttp2Field(request.headers());
            if (bad != null) {
                return bad;
            }
            String host = request.headers().get(HttpHeaders.HOST);
            if (host != null && authority != null && !host.equalsIgnoreCase(authority)) {
                return "the Host header differs from :authority"; // RFC 9113 §8.3.1
            }
        } else {
            // more than one Host (RFC 9112 §3.2): refused by the decoder as it reads the head (StrictRequestDecoder);
            // looked for here only on a connection whose decoder could not be replaced
            if (!StrictRequestDecoder.decodedStrictly(request) && request.headers().getAll(HttpHeaders.HOST).size() > 1) {
                return "more than one Host header";
            }
            if (request.headers().contains("")) {
                return "a header line has no name"; // ": a" passes Netty's decoder, and upstreams choke on it
            }
        }
        if (authority != null && !validHost(authority)) {
            return "the Host is not a valid host name or address";
        }
        return null;
    }

    /**
     * An HTTP/2 field that is not valid (RFC 9113 §8.2.1): a name that is not a lower-case token, a value with NUL,
     * CR or LF or with white space at either end.
     */
    private static String badHttp2Field(MultiMap headers) {
        for (Map.Entry<String, String> e : headers) {
            String name = e.getKey();
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                if (c <= 0x20 || c >= 0x7F || (c >= 'A' && c <= 'Z') || "\"(),/:;<=>?@[\\]{}".indexOf(c) >= 0) {
                    return "a header name is not valid";
                }
            }
            String value = e.getValue();
            int n = value.length();
            if (n > 0 && (isBlank(value.charAt(0)) || isBlank(value.charAt(n - 1)))) {
                return "a header value starts or ends with white space";
            }
            for (int i = 0; i < n; i++) {
                char c = value.charAt(i);
                if (c == 0 || c == '\r' || c == '\n') {
                    return "a header value holds NUL, CR or LF";
                }
            }
        }
        return null;
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    /**
     * A Host is a registered name (letters, digits, '-', '.', '_'), an IPv4 address, or an IPv6 literal in
     * brackets, with an optional port. Anything else (a bracketed name, a path, spaces) could slip past a
     * host-specific route.
     */
    static boolean validHost(String host) {
        int end = host.length();
        if (end == 0) {
            return false;
        }
        int i = 0;
        if (host.charAt(0) == '[') {
            int close = host.indexOf(']');
            if (close < 2) {
                return false;
            }
            for (i = 1; i < close; i++) {
                char c = host.charAt(i);
                if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                    return false;
                }
            }
            i = close + 1;
        } else {
            for (; i < end && host.charAt(i) != ':'; i++) {
                char c = host.charAt(i);
                if (c == '.' && (i == 0 || host.charAt(i - 1) == '.')) {
                    return false; // an empty label (".a", "a..b", "a.."): only one trailing dot is a name's own
                }
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                        || c == '_')) {
                    return false;
                }
            }
            if (i == 0) {
                return false;
            }
        }
        if (i == end) {
            return true;
        }
        if (host.charAt(i) != ':' || i + 1 == end || end - i > 6) {
            return false;
        }
        for (i++; i < end; i++) {
            if (host.charAt(i) < '0' || host.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
