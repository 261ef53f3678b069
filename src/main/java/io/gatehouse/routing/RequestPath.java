package io.gatehouse.routing;

/**
 * The one normalized form of a request path: what routing matches and exactly what goes upstream. Upstreams read
 * raw paths in different ways (a servlet container drops {@code ;params} and resolves {@code ..;}, a WSGI server
 * decodes {@code %2F} into a separator, Node cuts at {@code #}, Windows servers drop a trailing dot), so a path is
 * either brought to a form they all read alike, or refused:
 * <ol>
 * <li>Only RFC 3986 path characters pass: letters, digits, {@code -._~!$&'()*+,;=:@/} and {@code %XX}. Anything
 * else (control characters, space, {@code "<>\^`{|}#}, bytes above 127) is refused, as is a {@code %} without two
 * hex digits.</li>
 * <li>Percent-encoded unreserved characters are decoded ({@code %61dmin} is {@code admin}); other encodings keep
 * upper-case hex digits ({@code %2f} becomes {@code %2F}). An encoded control character ({@code %00}…{@code %1F},
 * {@code %7F}) and double encoding ({@code %25} followed by two hex digits) are refused.</li>
 * <li>Empty segments are dropped and dot segments resolved ({@code /a//b/../c} is {@code /a/c}).</li>
 * <li>A segment that ends with {@code .} or an encoded space, or is a dot segment hidden behind an encoded or
 * backslash separator or a {@code ;} ({@code ..%2F}, {@code ..;x}), is refused.</li>
 * <li>Encoded slashes ({@code %2F}, {@code %5C}) and {@code ;} path parameters are flagged: refused unless the
 * matched route allows them ({@code allow-in-path}). Routing ignores a segment's {@code ;params}, so
 * {@code /admin;x/secret} is matched as {@code /admin/secret}, the way a servlet container reads it.</li>
 * </ol>
 * Paths without anything to change (the usual case) are returned as they came, after one scan.
 */
public final class RequestPath {
    /** Flag: the path holds {@code %2F} or {@code %5C}. */
    public static final int ENCODED_SLASH = 1;
    /** Flag: a segment holds {@code ;} (path parameters). */
    public static final int PATH_PARAMS = 2;

    /** Characters of RFC 3986 {@code pchar} plus {@code /}, minus {@code %} (checked on its own). */
    private static final boolean[] PATH_CHAR = new boolean[128];
    /** RFC 3986 unreserved: decoded when percent-encoded. */
    private static final boolean[] UNRESERVED = new boolean[128];

    static {
        for (char c = 'a'; c <= 'z'; c++) {
            UNRESERVED[c] = true;
        }
        for (char c = 'A'; c <= 'Z'; c++) {
            UNRESERVED[c] = true;
        }
        for (char c = '0'; c <= '9'; c++) {
            UNRESERVED[c] = true;
        }
        for (char c : "-._~".toCharArray()) {
            UNRESERVED[c] = true;
        }
        System.arraycopy(UNRESERVED, 0, PATH_CHAR, 0, 128);
        for (char c : "!$&'()*+,;=:@/".toCharArray()) {
            PATH_CHAR[c] = true;
        }
    }

    /** The normalized path, the path routing matches (its {@code ;params} removed), and the flags. */
    private final String path;
    private final String matchPath;
    private final int flags;
    private final String refusal;

    private RequestPath(String path, String matchPath, int flags, String refusal) {
        this.path = path;
        this.matchPath = matchPath;
        this.flags = flags;
        this.refusal = refusal;
    }

    /** The normalized path (what goes upstream); null when refused. */
    public String path() {
        return path;
    }

    /** The path routing matches: {@link #path()} without the {@code ;params} of its segments. */
    public String matchPath() {
        return matchPath;
    }

    /** {@link #ENCODED_SLASH} and {@link #PATH_PARAMS}, as present. */
    public int flags() {
        return flags;
    }

    /** Why the path is refused (for the 400 message), or null. */
    public String refusal() {
        return refusal;
    }

    private static RequestPath refused(String why) {
        return new RequestPath(null, null, 0, why);
    }

    /** @param raw the path as the client sent it (no query), e.g. {@code HttpServerRequest.path()} */
    public static RequestPath of(String raw) {
        if (raw == null || raw.isEmpty() || raw.charAt(0) != '/') {
            return refused("the request target is not an absolute path");
        }
        int len = raw.length();
        boolean plain = true; // nothing to rewrite: no '%', no '//', no dot segment, no ';'
        for (int i = 0; i < len; i++) {
            char c = raw.charAt(i);
            if (c >= 128 || !(PATH_CHAR[c] || c == '%')) {
                return refused("the path holds a character that must be percent-encoded");
            }
            if (c == '%' || c == ';' || (c == '/' && i + 1 < len && raw.charAt(i + 1) == '/')
                    || (c == '.' && (raw.charAt(i - 1) == '/' || i + 1 == len || raw.charAt(i + 1) == '/'))) {
                plain = false; // an encoding, path parameters, an empty segment, or a segment that starts or ends with '.'
            }
        }
        if (plain) {
            return new RequestPath(raw, raw, 0, null);
        }
        return normalize(raw);
    }

    /** The careful path: decode, resolve, check each segment. */
    private static RequestPath normalize(String raw) {
        int len = raw.length();
        // 1. Decode unreserved, upper-case the rest, refuse bad and dangerous encodings.
        StringBuilder decoded = new StringBuilder(len);
        int flags = 0;
        for (int i = 0; i < len; i++) {
            char c = raw.charAt(i);
            if (c != '%') {
                if (c == ';') {
                    flags |= PATH_PARAMS;
                }
                decoded.append(c);
                continue;
            }
            if (i + 2 >= len || hex(raw.charAt(i + 1)) < 0 || hex(raw.charAt(i + 2)) < 0) {
                return refused("the path holds a '%' that is not followed by two hex digits");
            }
            int v = hex(raw.charAt(i + 1)) * 16 + hex(raw.charAt(i + 2));
            i += 2;
            if (v < 128 && UNRESERVED[v]) {
                decoded.append((char) v);
            } else if (v < 0x20 || v == 0x7F) {
                return refused("the path holds an encoded control character");
            } else if (v == '%' && i + 2 < len && hex(raw.charAt(i + 1)) >= 0 && hex(raw.charAt(i + 2)) >= 0) {
                return refused("the path is encoded twice");
            } else {
                if (v == '/' || v == '\\') {
                    flags |= ENCODED_SLASH;
                } else if (v == ';') {
                    flags |= PATH_PARAMS; // %3B: a server that decodes before it drops ;params reads a ';'
                }
                decoded.append('%').append(HEX[v >> 4]).append(HEX[v & 15]);
            }
        }
        // 2. Segments: drop empty ones, resolve dot segments, refuse what upstreams would read otherwise.
        String d = decoded.toString();
        String[] parts = d.split("/", -1);
        String[] kept = new String[parts.length];
        int n = 0;
        for (String segment : parts) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                if (n > 0) {
                    n--;
                }
                continue;
            }
            String why = refusedSegment(segment);
            if (why != null) {
                return refused(why);
            }
            kept[n++] = segment;
        }
        StringBuilder out = new StringBuilder(d.length());
        StringBuilder match = (flags & PATH_PARAMS) != 0 ? new StringBuilder(d.length()) : null;
        for (int i = 0; i < n; i++) {
            out.append('/').append(kept[i]);
            if (match != null) {
                int semicolon = kept[i].indexOf(';');
                match.append('/').append(semicolon >= 0 ? kept[i].substring(0, semicolon) : kept[i]);
            }
        }
        if (n == 0) {
            out.append('/');
        } else if (d.endsWith("/") && !d.endsWith("/..") && !d.endsWith("/.")) {
            out.append('/'); // a trailing slash is the client's to keep (some upstreams tell /a from /a/)
        }
        String path = out.toString();
        return new RequestPath(path, match == null ? path : match.length() == 0 ? "/" : match.toString(), flags, null);
    }

    /** Why a (decoded, non-dot) segment is refused, or null. */
    private static String refusedSegment(String segment) {
        if (hidesDotSegment(segment)) {
            return "the path hides a '.' or '..' segment behind an encoded separator or a ';'";
        }
        int semicolon = segment.indexOf(';');
        String name = semicolon >= 0 ? segment.substring(0, semicolon) : segment;
        if (name.endsWith(".") || name.endsWith("%20")) {
            return "a path segment ends with '.' or a space, which some servers strip";
        }
        return null;
    }

    /**
     * Whether a segment holds a dot segment behind an encoded separator ({@code %2F}, {@code %5C}) or path
     * parameters ({@code ;}, {@code %3B}): "..%2F", "..;x", ".%5Cx". One scan, no regex (this runs per segment).
     */
    static boolean hidesDotSegment(String segment) {
        int n = segment.length();
        int dots = 0;
        boolean onlyDots = true;
        for (int i = 0; i <= n; i++) {
            int separator = i == n ? 1 : separatorAt(segment, i);
            if (separator > 0) {
                if (onlyDots && (dots == 1 || dots == 2)) {
                    return true;
                }
                dots = 0;
                onlyDots = true;
                i += separator - 1;
            } else if (segment.charAt(i) == '.') {
                dots++;
            } else {
                onlyDots = false;
            }
        }
        return false;
    }

    /** The length of a separator starting at {@code i} (';' or an encoded '/', '\\' or ';'), or 0. */
    private static int separatorAt(String s, int i) {
        char c = s.charAt(i);
        if (c == ';') {
            return 1;
        }
        if (c != '%' || i + 2 >= s.length()) {
            return 0;
        }
        char a = s.charAt(i + 1);
        char b = Character.toUpperCase(s.charAt(i + 2));
        return (a == '2' && b == 'F') || (a == '5' && b == 'C') || (a == '3' && b == 'B') ? 3 : 0;
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /**
     * Whether a query string reads the same to every upstream: no control characters, spaces, {@code #} or bytes
     * above 127 (characters such as {@code |} or {@code {}} that clients often leave unencoded still pass).
     */
    public static boolean isSafeQuery(String query) {
        for (int i = 0; i < query.length(); i++) {
            char c = query.charAt(i);
            if (c <= 0x20 || c >= 0x7F || c == '#') {
                return false;
            }
        }
        return true;
    }
}
