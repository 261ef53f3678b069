package io.gatehouse.cache;

import io.vertx.core.MultiMap;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The stored responses of one cache key that differ by the headers the upstream's {@code Vary} names (RFC 9111
 * §4.1): at most {@link #MAX} of them, the newest first, so a header with many values cannot grow one key without
 * bound. Immutable.
 */
record Variants(List<CachedResponse> responses) {
    static final int MAX = 8;

    /** The newest variant whose Vary headers the request matches, or null. */
    CachedResponse match(MultiMap requestHeaders) {
        for (CachedResponse r : responses) {
            if (matches(r, requestHeaders)) {
                return r;
            }
        }
        return null;
    }

    /** These variants with {@code response} in place of the one it matches (by its Vary values), newest first. */
    Variants with(CachedResponse response) {
        List<CachedResponse> next = new ArrayList<>(Math.min(MAX, responses.size() + 1));
        next.add(response);
        for (CachedResponse r : responses) {
            if (next.size() < MAX && !(r.varyNames().equals(response.varyNames()) && r.varyValues().equals(response.varyValues()))) {
                next.add(r);
            }
        }
        return new Variants(List.copyOf(next));
    }

    int weight() {
        long w = 64;
        for (CachedResponse r : responses) {
            w += r.weight();
        }
        return (int) Math.min(Integer.MAX_VALUE, w);
    }

    /** Until when the last of them may still answer, ms epoch. */
    long usefulUntil() {
        long until = 0;
        for (CachedResponse r : responses) {
            until = Math.max(until, r.usefulUntil());
        }
        return until;
    }

    static boolean matches(CachedResponse r, MultiMap requestHeaders) {
        List<String> names = r.varyNames();
        for (int i = 0; i < names.size(); i++) {
            String now = normalized(requestHeaders, names.get(i));
            String then = r.varyValues().get(i);
            if (now == null ? then != null : !now.equals(then)) {
                return false;
            }
        }
        return true;
    }

    /** A request header's value as Vary compares it: every line, joined, white space collapsed (§4.1); null if absent. */
    static String normalized(MultiMap headers, String name) {
        List<String> lines = headers.getAll(name);
        if (lines.isEmpty()) {
            return null;
        }
        String joined = lines.size() == 1 ? lines.get(0) : String.join(",", lines);
        StringBuilder out = new StringBuilder(joined.length());
        boolean space = false;
        for (int i = 0; i < joined.length(); i++) {
            char c = joined.charAt(i);
            if (c == ' ' || c == '\t') {
                space = out.length() > 0;
                continue;
            }
            if (c == ',') {
                space = false;
                out.append(',');
                continue;
            }
            if (space && out.length() > 0 && out.charAt(out.length() - 1) != ',') {
                out.append(' ');
            }
            space = false;
            out.append(c);
        }
        return out.toString();
    }

    /** The header names an upstream's {@code Vary} lists, lowercase, in order, without duplicates. */
    static List<String> varyNames(MultiMap responseHeaders) {
        List<String> names = new ArrayList<>(2);
        for (String line : responseHeaders.getAll("Vary")) {
            for (String name : line.split(",")) {
                String n = name.trim().toLowerCase(Locale.ROOT);
                if (!n.isEmpty() && !names.contains(n)) {
                    names.add(n);
                }
            }
        }
        return names;
    }
}
