package io.gatehouse.edge;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The origins a CORS policy allows, compiled once: exact origins in a hash set, wildcard subdomain forms
 * ({@code https://*.example.com}) as a scheme prefix, a host suffix and a port, or any origin. A request's
 * {@code Origin} is compared as RFC 6454 serialises an origin: {@code scheme://host[:port]}, scheme and host without
 * regard to case, a default port the same as none. No regular expression, and for the form browsers send (already
 * serialised) no allocation either.
 */
final class CorsOrigins {
    private final boolean any;
    private final Set<String> exact;
    /** Per wildcard form: {@code https://}, {@code .example.com}, and {@code ""} or {@code :8443}. */
    private final String[] wildPrefixes;
    private final String[] wildSuffixes;
    private final String[] wildPorts;

    private CorsOrigins(boolean any, Set<String> exact, String[] wildPrefixes, String[] wildSuffixes, String[] wildPorts) {
        this.any = any;
        this.exact = exact;
        this.wildPrefixes = wildPrefixes;
        this.wildSuffixes = wildSuffixes;
        this.wildPorts = wildPorts;
    }

    /** @param origins entries as {@link CorsConfigExtension} checked them: serialised, wildcard forms, or {@code *} */
    static CorsOrigins of(List<String> origins) {
        boolean any = false;
        Set<String> exact = new HashSet<>();
        List<String[]> wild = new ArrayList<>();
        for (String origin : origins) {
            if (origin.equals(CorsConfig.ANY)) {
                any = true;
            } else if (isWildcard(origin)) {
                wild.add(wildcardParts(origin));
            } else {
                exact.add(origin);
            }
        }
        return new CorsOrigins(any, Set.copyOf(exact), wild.stream().map(w -> w[0]).toArray(String[]::new),
                wild.stream().map(w -> w[1]).toArray(String[]::new), wild.stream().map(w -> w[2]).toArray(String[]::new));
    }

    /** Whether every origin is allowed ({@code origins: ["*"]}). */
    boolean any() {
        return any;
    }

    /** Whether a request's {@code Origin} (null when it sent none) is allowed. */
    boolean allows(String origin) {
        if (any) {
            return true;
        }
        if (origin == null) {
            return false;
        }
        if (exact.contains(origin)) {
            return true;
        }
        String serialised = serialise(origin);
        if (serialised == null) {
            return false; // not an origin at all: "null", a path, user info…
        }
        if (serialised != origin && exact.contains(serialised)) {
            return true; // upper case or a default port: a form browsers do not send, the same origin all the same
        }
        for (int i = 0; i < wildPrefixes.length; i++) {
            if (matches(serialised, wildPrefixes[i], wildSuffixes[i], wildPorts[i])) {
                return true;
            }
        }
        return false;
    }

    /**
     * A serialised origin against one wildcard form: same scheme, same port, and a host that ends with the suffix
     * (which starts with a dot) after at least one label of its own. A serialised host holds only letters, digits,
     * {@code -}, {@code _} and dots between non-empty labels, so {@code evil-example.com} or
     * {@code example.com.evil.net} never match {@code *.example.com}.
     */
    private static boolean matches(String origin, String prefix, String suffix, String port) {
        if (!origin.startsWith(prefix) || origin.length() <= prefix.length() || origin.charAt(prefix.length()) == '[') {
            return false;
        }
        int colon = origin.indexOf(':', prefix.length());
        int hostEnd = colon < 0 ? origin.length() : colon;
        return origin.length() - hostEnd == port.length() && origin.startsWith(port, hostEnd)
                && hostEnd - prefix.length() > suffix.length()
                && origin.startsWith(suffix, hostEnd - suffix.length());
    }

    static boolean isWildcard(String origin) {
        return origin.contains("://*.");
    }

    /** A checked wildcard form's scheme prefix, host suffix and port part. */
    private static String[] wildcardParts(String origin) {
        int sep = origin.indexOf("://");
        String prefix = origin.substring(0, sep + 3);
        int hostStart = sep + 4; // past "*"
        int colon = origin.indexOf(':', hostStart);
        int hostEnd = colon < 0 ? origin.length() : colon;
        return new String[] {prefix, origin.substring(hostStart, hostEnd), origin.substring(hostEnd)};
    }

    /**
     * The RFC 6454 serialisation of {@code text} read as an origin ({@code scheme://host[:port]}): the same instance
     * when it is already serialised (lower case, no default port, nothing else), a new string when only case or the
     * port's spelling differ, or null when it is not an origin (no scheme, a path, a query, user info, an empty
     * label, a port out of range, {@code null}).
     */
    static String serialise(String text) {
        int sep = text.indexOf("://");
        if (sep <= 0) {
            return null;
        }
        boolean changed = false;
        for (int i = 0; i < sep; i++) {
            char c = text.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                changed = true;
            } else if (!(c >= 'a' && c <= 'z') && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'))) {
                return null;
            }
        }
        int n = text.length();
        int hostStart = sep + 3;
        if (hostStart >= n) {
            return null;
        }
        int hostEnd;
        if (text.charAt(hostStart) == '[') {
            int close = text.indexOf(']', hostStart);
            if (close < hostStart + 3) {
                return null;
            }
            for (int i = hostStart + 1; i < close; i++) {
                char c = text.charAt(i);
                if (c >= 'A' && c <= 'F') {
                    changed = true;
                } else if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == ':' || c == '.')) {
                    return null;
                }
            }
            hostEnd = close + 1;
        } else {
            hostEnd = hostStart;
            char previous = '.';
            while (hostEnd < n) {
                char c = text.charAt(hostEnd);
                if (c == ':') {
                    break;
                }
                if (c == '.') {
                    if (previous == '.') {
                        return null;
                    }
                } else if (c >= 'A' && c <= 'Z') {
                    changed = true;
                } else if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                    return null;
                }
                previous = c;
                hostEnd++;
            }
            if (hostEnd == hostStart || previous == '.') {
                return null;
            }
        }
        boolean keepPort = false;
        if (hostEnd < n) {
            if (text.charAt(hostEnd) != ':' || n - hostEnd - 1 < 1 || n - hostEnd - 1 > 5) {
                return null;
            }
            int port = 0;
            for (int i = hostEnd + 1; i < n; i++) {
                char c = text.charAt(i);
                if (c < '0' || c > '9') {
                    return null;
                }
                port = port * 10 + (c - '0');
            }
            if (port < 1 || port > 65535) {
                return null;
            }
            keepPort = port != defaultPort(text, sep);
            if (!keepPort || text.charAt(hostEnd + 1) == '0') {
                changed = true;
            }
            if (!changed) {
                return text;
            }
            return text.substring(0, hostEnd).toLowerCase(java.util.Locale.ROOT) + (keepPort ? ":" + port : "");
        }
        return changed ? text.toLowerCase(java.util.Locale.ROOT) : text;
    }

    /** The scheme's default port (http, ws: 80; https, wss: 443), or -1. */
    private static int defaultPort(String text, int schemeLength) {
        if (schemeLength == 4 && text.regionMatches(true, 0, "http", 0, 4)) {
            return 80;
        }
        if (schemeLength == 5 && text.regionMatches(true, 0, "https", 0, 5)) {
            return 443;
        }
        if (schemeLength == 2 && text.regionMatches(true, 0, "ws", 0, 2)) {
            return 80;
        }
        if (schemeLength == 3 && text.regionMatches(true, 0, "wss", 0, 3)) {
            return 443;
        }
        return -1;
    }
}
