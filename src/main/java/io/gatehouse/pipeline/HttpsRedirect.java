package io.gatehouse.pipeline;

import io.vertx.core.http.HttpServerRequest;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code server.tls.redirect-http}: the plain port sends every request to the TLS port with {@code 308 Permanent
 * Redirect} (which, unlike 301, keeps the method and body), to the same host and request target. A Host that is not a
 * plain host name or address gets a 400 instead of a redirect built from it.
 */
final class HttpsRedirect {
    private final AtomicInteger tlsPort;

    HttpsRedirect(AtomicInteger tlsPort) {
        this.tlsPort = tlsPort;
    }

    void handle(HttpServerRequest request) {
        String host = GatewayHandler.host(GatewayHandler.rawHost(request));
        String uri = request.uri();
        if (host == null || !plainHost(host) || uri.isEmpty() || uri.charAt(0) != '/' || uri.startsWith("//")) {
            request.response().setStatusCode(400).putHeader("Content-Type", "application/json")
                    .putHeader("Connection", "close")
                    .end("{\"error\":\"bad_request\",\"message\":\"this port only redirects to HTTPS, and needs a "
                            + "Host and an origin-form request target to do so\",\"status\":400}");
            return;
        }
        int port = tlsPort.get();
        String location = "https://" + host + (port == 443 ? "" : ":" + port) + uri;
        request.response().setStatusCode(308).putHeader("Location", location).putHeader("Content-Length", "0").end();
    }

    /** Letters, digits, '-', '.', and a bracketed IPv6 literal: nothing that could make the Location point elsewhere. */
    static boolean plainHost(String host) {
        if (host.startsWith("[") && host.endsWith("]")) {
            for (int i = 1; i < host.length() - 1; i++) {
                char c = host.charAt(i);
                if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                    return false;
                }
            }
            return host.length() > 2;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) {
                return false;
            }
        }
        return !host.isEmpty();
    }
}
