package io.gatehouse.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A route path: literal segments, {@code {name}} segments that match any one segment, and an optional final
 * {@code /**} that matches the rest of the path (including nothing). Empty segments are ignored, so a
 * trailing slash or a doubled one does not change what matches.
 */
public final class PathPattern {
    private static final Pattern PARAM = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_-]{0,63})}");
    private static final Pattern TEMPLATE_PART = Pattern.compile("\\{([^}]*)}");

    /** null entries are parameters; {@link #paramNames} has their names in order. */
    private final String[] literals;
    private final List<String> paramNames;
    private final boolean rest;
    private final String text;

    private PathPattern(String text, String[] literals, List<String> paramNames, boolean rest) {
        this.text = text;
        this.literals = literals;
        this.paramNames = List.copyOf(paramNames);
        this.rest = rest;
    }

    /** @throws IllegalArgumentException naming what is wrong with the pattern */
    public static PathPattern parse(String text) {
        if (!text.startsWith("/")) {
            throw new IllegalArgumentException("'" + text + "' must start with '/'");
        }
        List<String> segments = new ArrayList<>();
        for (String s : text.split("/")) {
            if (!s.isEmpty()) {
                segments.add(s);
            }
        }
        boolean rest = !segments.isEmpty() && segments.get(segments.size() - 1).equals("**");
        if (rest) {
            segments.remove(segments.size() - 1);
        }
        String[] literals = new String[segments.size()];
        List<String> names = new ArrayList<>();
        for (int i = 0; i < segments.size(); i++) {
            String s = segments.get(i);
            Matcher m = PARAM.matcher(s);
            if (m.matches()) {
                if (names.contains(m.group(1))) {
                    throw new IllegalArgumentException("'" + text + "' names the parameter {" + m.group(1) + "} twice");
                }
                names.add(m.group(1));
            } else if (s.contains("*")) {
                throw new IllegalArgumentException("'" + text + "': '**' is allowed only as the last segment");
            } else if (s.contains("{") || s.contains("}")) {
                throw new IllegalArgumentException("'" + text + "': a parameter is a whole segment, {name}");
            } else if (s.equals(".") || s.equals("..")) {
                throw new IllegalArgumentException("'" + text + "': '.' and '..' segments never match a normalized path");
            } else {
                literals[i] = s;
            }
        }
        return new PathPattern(text, literals, names, rest);
    }

    /** Checks a rewrite template against this pattern: {name} must be one of its parameters, {**} needs a rest. */
    public void checkTemplate(String template) {
        if (!template.startsWith("/")) {
            throw new IllegalArgumentException("'" + template + "' must start with '/'");
        }
        Matcher m = TEMPLATE_PART.matcher(template);
        while (m.find()) {
            String name = m.group(1);
            if (name.equals("**")) {
                if (!rest) {
                    throw new IllegalArgumentException("'" + template + "' uses {**} but the path '" + text + "' has no /**");
                }
            } else if (!paramNames.contains(name)) {
                throw new IllegalArgumentException("'" + template + "' uses {" + name + "} but the path '" + text
                        + "' has no such parameter");
            }
        }
    }

    /** The pattern with parameter names erased: two patterns with the same shape match the same paths. */
    public String shape() {
        StringBuilder sb = new StringBuilder();
        for (String literal : literals) {
            // lower case: literal segments match without regard to case (RouteTable)
            sb.append('/').append(literal == null ? "{}" : literal.toLowerCase(java.util.Locale.ROOT));
        }
        if (rest) {
            sb.append("/**");
        }
        return sb.length() == 0 ? "/" : sb.toString();
    }

    int segmentCount() {
        return literals.length;
    }

    /** The literal at segment i, or null where the pattern has a parameter. */
    String literal(int i) {
        return literals[i];
    }

    public List<String> paramNames() {
        return paramNames;
    }

    public boolean hasRest() {
        return rest;
    }

    @Override
    public String toString() {
        return text;
    }
}
