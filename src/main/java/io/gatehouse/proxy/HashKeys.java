package io.gatehouse.proxy;

import io.gatehouse.config.HashOn;
import io.gatehouse.pipeline.Exchange;
import io.vertx.core.http.HttpServerRequest;

/** The key a consistent-hash upstream balances a request on, from where its {@code hash-on} says. */
final class HashKeys {
    private HashKeys() {
    }

    /** @return the key, or null when the request has none (the balancer then falls back to round robin) */
    static String of(HashOn hashOn, Exchange ex) {
        if (hashOn == null) {
            return null;
        }
        HttpServerRequest req = ex.request();
        return switch (hashOn.source()) {
            case "ip" -> ex.clientIp();
            case "header" -> req.getHeader(hashOn.name());
            case "query" -> req.getParam(hashOn.name());
            case "cookie" -> cookie(req.getHeader("Cookie"), hashOn.name());
            // claim: from the principal that authentication (which runs before the proxy) put on the exchange
            default -> ex.caller() == null ? null : ex.caller().claim(hashOn.name());
        };
    }

    /** The value of one cookie in a Cookie header ({@code a=1; b=2}), without building a map. */
    static String cookie(String header, String name) {
        if (header == null) {
            return null;
        }
        int i = 0;
        int n = header.length();
        while (i < n) {
            while (i < n && (header.charAt(i) == ' ' || header.charAt(i) == ';')) {
                i++;
            }
            int eq = header.indexOf('=', i);
            int end = header.indexOf(';', i);
            if (end < 0) {
                end = n;
            }
            if (eq > 0 && eq < end && header.regionMatches(i, name, 0, name.length()) && eq - i == name.length()) {
                String value = header.substring(eq + 1, end).trim();
                return value.isEmpty() ? null : value;
            }
            i = end + 1;
        }
        return null;
    }
}
