package io.gatehouse.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the matched request path into the path sent upstream: unchanged, with a prefix stripped, or rebuilt
 * from a template. Compiled once per route; {@link #apply} only concatenates.
 */
public final class PathRewriter {
    private static final Pattern PART = Pattern.compile("\\{([^}]*)}");
    private static final PathRewriter IDENTITY = new PathRewriter(null, null, null);

    private final String stripPrefix;
    /** Template pieces: literal strings, or Integer param indexes, or REST. */
    private final Object[] template;
    private final boolean endsWithRest;
    private static final Object REST = new Object();

    private PathRewriter(String stripPrefix, Object[] template, Boolean endsWithRest) {
        this.stripPrefix = stripPrefix;
        this.template = template;
        this.endsWithRest = Boolean.TRUE.equals(endsWithRest);
    }

    public static PathRewriter identity() {
        return IDENTITY;
    }

    public static PathRewriter stripPrefix(String prefix) {
        return new PathRewriter(prefix, null, null);
    }

    /** @param template checked already by {@link PathPattern#checkTemplate} */
    public static PathRewriter template(String template, PathPattern pattern) {
        List<Object> parts = new ArrayList<>();
        Matcher m = PART.matcher(template);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) {
                parts.add(template.substring(last, m.start()));
            }
            String name = m.group(1);
            parts.add(name.equals("**") ? REST : (Object) pattern.paramNames().indexOf(name));
            last = m.end();
        }
        if (last < template.length()) {
            parts.add(template.substring(last));
        }
        return new PathRewriter(null, parts.toArray(), !parts.isEmpty() && parts.get(parts.size() - 1) == REST);
    }

    /** @param path the normalized request path; params and rest from the {@link RouteMatch} */
    public String apply(String path, String[] params, String rest) {
        if (stripPrefix != null) {
            // without regard to case, as routing matched it (RouteTable)
            if (path.regionMatches(true, 0, stripPrefix, 0, stripPrefix.length())) {
                int n = stripPrefix.length();
                if (path.length() == n) {
                    return "/";
                }
                if (path.charAt(n) == '/') {
                    return path.substring(n);
                }
            }
            return path;
        }
        if (template == null) {
            return path;
        }
        StringBuilder sb = new StringBuilder(64);
        for (Object part : template) {
            if (part instanceof String s) {
                sb.append(s);
            } else if (part == REST) {
                sb.append(rest == null ? "" : rest);
            } else {
                sb.append(params[(Integer) part]);
            }
        }
        // "/v2/{**}" with nothing left over gives "/v2", not "/v2/"
        if (endsWithRest && (rest == null || rest.isEmpty()) && sb.length() > 1 && sb.charAt(sb.length() - 1) == '/') {
            sb.setLength(sb.length() - 1);
        }
        return sb.toString();
    }
}
