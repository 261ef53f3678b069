package io.gatehouse.pipeline;

import io.vertx.core.MultiMap;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Header names as CGI-style upstreams (PHP, WSGI, Rack) read them: without regard to case, and with {@code _} the same
 * as {@code -} ({@code X_API_Key} arrives there as {@code HTTP_X_API_KEY}, like {@code X-API-Key}). For the headers
 * whose copies must be counted or removed whatever their spelling: credentials.
 */
public final class HeaderNames {
    private HeaderNames() {
    }

    /** Whether two names are the same header to a CGI-style upstream. */
    public static boolean same(CharSequence a, CharSequence b) {
        if (a.length() != b.length()) {
            return false;
        }
        for (int i = 0; i < a.length(); i++) {
            if (fold(a.charAt(i)) != fold(b.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static char fold(char c) {
        if (c >= 'A' && c <= 'Z') {
            return (char) (c + 32);
        }
        return c == '_' ? '-' : c;
    }

    /** How many lines of {@code headers} carry {@code name}, in any spelling. */
    public static int count(MultiMap headers, CharSequence name) {
        int n = 0;
        for (Map.Entry<String, String> e : headers) {
            if (same(e.getKey(), name)) {
                n++;
            }
        }
        return n;
    }

    /** Removes {@code name} in every spelling. */
    public static void remove(MultiMap headers, CharSequence name) {
        List<String> spellings = null;
        for (String present : headers.names()) {
            if (same(present, name)) {
                if (spellings == null) {
                    spellings = new ArrayList<>(2);
                }
                spellings.add(present);
            }
        }
        if (spellings != null) {
            spellings.forEach(headers::remove);
        }
    }
}
