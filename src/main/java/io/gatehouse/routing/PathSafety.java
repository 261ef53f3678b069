package io.gatehouse.routing;

/**
 * Refuses request paths that would route as one thing and mean another upstream. Routing sees {@code %2F},
 * {@code %5C} and {@code \} as ordinary characters, but many upstreams decode them into separators, so
 * {@code /api/users/..%2F..%2Fadmin} would match {@code /api/users/**} here and reach {@code /admin} there.
 * A path is refused when reading those as {@code /} gives it a {@code .} or {@code ..} segment, or when it
 * holds an encoded NUL; path parameters count as part of the separator here ({@code /public/..;/admin} is a
 * {@code ..} segment to a servlet container). Encoded slashes in ordinary segments ({@code /repos/group%2Fproject}) still pass.
 */
public final class PathSafety {
    private PathSafety() {
    }

    /** @param path the normalized request path */
    public static boolean isSafe(String path) {
        if (path.indexOf('%') < 0 && path.indexOf('\\') < 0 && path.indexOf(';') < 0) {
            return true; // the common case: nothing encoded, and normalization already removed dot segments
        }
        String lower = path.toLowerCase(java.util.Locale.ROOT);
        if (lower.contains("%00")) {
            return false;
        }
        String separated = lower.replace("%2f", "/").replace("%5c", "/").replace('\\', '/').replace("%2e", ".")
                .replace("%3b", ";");
        for (String segment : separated.split("/", -1)) {
            // Servlet containers drop ";params" from a segment before resolving dot segments: "..;x" is "..".
            int semicolon = segment.indexOf(';');
            String name = semicolon >= 0 ? segment.substring(0, semicolon) : segment;
            if (name.equals(".") || name.equals("..")) {
                return false;
            }
        }
        return true;
    }
}
