package io.gatehouse.pipeline;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;

import java.util.ArrayList;
import java.util.List;

/**
 * An answer the gateway makes itself rather than an upstream: a filter's (401, 429, a cache hit) or the gateway's
 * own errors (404, 502, 504…). It travels back through the response phase of the filters that ran, as a proxied
 * response does, so their headers (CORS, rate-limit, security headers) are on it too.
 *
 * <p>Built with {@link #error} (the JSON error body of DESIGN.md, with the request id filled in when sent) or
 * {@link #of} (any body), plus any number of {@link #header headers}. Instances are not shared between requests.
 */
public final class LocalReply {
    private final int status;
    private final String errorCode;
    private final String message;
    private final Buffer body;
    private final String contentType;
    /** Name, value, name, value…: CharSequences, so prebuilt ones (AsciiString) go out without re-encoding. */
    private List<CharSequence> headers;

    private LocalReply(int status, String errorCode, String message, Buffer body, String contentType) {
        this.status = status;
        this.errorCode = errorCode;
        this.message = message;
        this.body = body;
        this.contentType = contentType;
    }

    /** A JSON error: {@code {"status":…,"error":code,"message":…,"requestId":…}}. */
    public static LocalReply error(int status, String code, String message) {
        return new LocalReply(status, code, message, null, "application/json");
    }

    /** Any answer; {@code body} may be null (no body), {@code contentType} too. */
    public static LocalReply of(int status, String contentType, Buffer body) {
        return new LocalReply(status, null, null, body, contentType);
    }

    /** Adds a header line (several lines of one name are kept). */
    public LocalReply header(CharSequence name, String value) {
        return header(name, (CharSequence) value);
    }

    /**
     * Adds a header line given as CharSequences: an {@link io.netty.util.AsciiString} made once (a stored response's
     * lines) is checked and written as bytes, with no per-answer conversion.
     */
    public LocalReply header(CharSequence name, CharSequence value) {
        if (headers == null) {
            headers = new ArrayList<>(8);
        }
        headers.add(name);
        headers.add(value);
        return this;
    }

    /** The first value this reply sets for the header {@code name} (any case), or null. */
    public String header(CharSequence name) {
        if (headers != null) {
            for (int i = 0; i < headers.size(); i += 2) {
                if (io.netty.util.AsciiString.contentEqualsIgnoreCase(headers.get(i), name)) {
                    return headers.get(i + 1).toString();
                }
            }
        }
        return null;
    }

    public int status() {
        return status;
    }

    /** The error code of a gateway error ("upstream_timeout"…), or null for other answers. */
    public String errorCode() {
        return errorCode;
    }

    public String message() {
        return message;
    }

    /** The body as sent, for the request it answers. */
    Buffer body(String requestId, String traceId) {
        if (errorCode != null) {
            return Buffer.buffer(Json.error(status, errorCode, message, requestId, traceId));
        }
        return body;
    }

    /** Puts status and headers on the response (whose earlier headers no longer apply). */
    void writeHead(io.vertx.core.http.HttpServerResponse response, String requestId) {
        response.setStatusCode(status);
        response.headers().clear();
        if (contentType != null) {
            response.headers().set(HttpHeaders.CONTENT_TYPE, contentType);
        }
        response.headers().set(RequestIds.HEADER, requestId);
        if (headers != null) {
            for (int i = 0; i < headers.size(); i += 2) {
                response.headers().add(headers.get(i), headers.get(i + 1));
            }
        }
    }

    @Override
    public String toString() {
        return status + (errorCode != null ? " " + errorCode : "");
    }
}
