package io.gatehouse.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the values of the YAML tree for the section parsers of one {@link ConfigParser#parse} call, and collects
 * what is wrong with them. One instance per parse, shared by every section, so the problems of all sections land
 * in one list in the order they were found. Each reader reports its own problem and returns null (or the default).
 */
public final class ConfigNodes {
    /** An HTTP token: used for route header conditions, the API key header and hash-on headers. */
    public static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_.-]*)(?::([^}]*))?}");

    private final UnaryOperator<String> variables;
    private final List<String> problems = new ArrayList<>();

    ConfigNodes(UnaryOperator<String> variables) {
        this.variables = variables;
    }

    /** Every problem so far, in the order found. */
    List<String> problems() {
        return problems;
    }

    /** Compared before and after reading an entry, to tell whether the entry itself had problems. */
    public int problemCount() {
        return problems.size();
    }

    public void problem(String path, String message) {
        problems.add(path + ": " + message);
    }

    /**
     * An optional section: null when absent (or not a mapping, which is reported), else its map with every key
     * checked against the known ones.
     */
    public Map<String, Object> section(Object node, String path, Set<String> known) {
        return section(node, path, known, Set.of());
    }

    public Map<String, Object> section(Object node, String path, Set<String> known, Set<String> notYet) {
        return node == null ? null : mapping(node, path, known, notYet);
    }

    /** A mapping that must be there (absent is reported as not a mapping), with every key checked. */
    public Map<String, Object> mapping(Object node, String path, Set<String> known, Set<String> notYet) {
        Map<String, Object> map = map(node, path);
        if (map != null) {
            checkKeys(map, path + ".", known, notYet);
        }
        return map;
    }

    public void checkKeys(Map<String, Object> map, String prefix, Set<String> known, Set<String> notYet) {
        for (String key : map.keySet()) {
            if (notYet.contains(key)) {
                problem(prefix + key, "is not available in this version of Gatehouse yet");
            } else if (!known.contains(key)) {
                problem(prefix + key, "unknown key");
            }
        }
    }

    /**
     * One of an enum's values, written in lower case with '-' for '_' ({@code least-connections}); {@code defaultValue}
     * when absent, a problem listing the choices when it is none of them.
     */
    public <E extends Enum<E>> E choice(Object node, String path, Class<E> type, E defaultValue) {
        String text = string(node, path, false);
        if (text == null) {
            return defaultValue;
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            String name = e.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
            if (name.equals(text)) {
                return e;
            }
            names.add(name);
        }
        problem(path, "'" + text + "' is not one of " + String.join(" | ", names));
        return defaultValue;
    }

    /** A path to a regular file this process can read (certificates, keys, CA bundles), or null with a problem. */
    public String readableFile(Object node, String path, boolean required) {
        String file = string(node, path, required);
        if (file == null) {
            return null;
        }
        java.nio.file.Path p = java.nio.file.Path.of(file);
        if (!java.nio.file.Files.isRegularFile(p) || !java.nio.file.Files.isReadable(p)) {
            problem(path, "cannot read the file '" + file + "'");
            return null;
        }
        return file;
    }

    /**
     * The required {@code id} of entry {@code index} of the list at {@code listPath}. One that does not match
     * {@code pattern} is reported with {@code rule}; one an earlier entry already has is reported with that
     * entry's index. Returns the id as given (null when absent): the caller tells from the problem count whether
     * it is usable.
     */
    public String uniqueId(Map<String, Object> map, String listPath, int index, Map<String, Integer> ids, Pattern pattern,
                    String rule) {
        String path = listPath + "[" + index + "].id";
        String id = string(map.get("id"), path, true);
        if (id != null && !pattern.matcher(id).matches()) {
            problem(path, "'" + id + "': " + rule);
        } else if (id != null) {
            Integer previous = ids.putIfAbsent(id, index);
            if (previous != null) {
                problem(path, "'" + id + "' is already the id of " + listPath + "[" + previous + "]");
            }
        }
        return id;
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> map(Object node, String path) {
        if (node instanceof Map<?, ?> m) {
            for (Object key : m.keySet()) {
                if (!(key instanceof String)) {
                    problem(path, "key '" + key + "' must be a string");
                    return null;
                }
            }
            return (Map<String, Object>) m;
        }
        problem(path, "must be a mapping (key: value), not " + describe(node));
        return null;
    }

    @SuppressWarnings("unchecked")
    public List<Object> list(Object node, String path, boolean required) {
        if (node == null) {
            if (required) {
                problem(path, "required");
            }
            return null;
        }
        if (node instanceof List<?> l) {
            return (List<Object>) l;
        }
        problem(path, "must be a list, not " + describe(node));
        return null;
    }

    public String string(Object node, String path, boolean required) {
        if (node == null) {
            if (required) {
                problem(path, "required");
            }
            return null;
        }
        if (node instanceof Map || node instanceof List) {
            problem(path, "must be a single value, not " + describe(node));
            return null;
        }
        String value = substitute(String.valueOf(node), path);
        if (value != null && value.isBlank()) {
            problem(path, "must not be empty");
            return null;
        }
        return value;
    }

    /** Resolves {@code ${NAME}} and {@code ${NAME:default}} through the parse's variables. */
    private String substitute(String text, String path) {
        if (text.indexOf("${") < 0) {
            return text;
        }
        Matcher m = VARIABLE.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String value = variables.apply(m.group(1));
            if (value == null) {
                value = m.group(2);
            }
            if (value == null) {
                problem(path, "variable ${" + m.group(1) + "} is not set (give it a default: ${" + m.group(1) + ":value})");
                return null;
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** The default when absent, or when the value cannot be read or is out of range (which is reported). */
    public int integer(Object node, String path, int defaultValue, int min, int max) {
        String text = string(node, path, false);
        if (text == null) {
            return defaultValue;
        }
        try {
            int value = Integer.parseInt(text.trim());
            if (value < min || value > max) {
                problem(path, value + " is out of range " + min + ".." + max);
                return defaultValue;
            }
            return value;
        } catch (NumberFormatException e) {
            problem(path, "'" + text + "' is not a whole number");
            return defaultValue;
        }
    }

    /** The default when absent, or when the value cannot be read or is zero (which is reported). */
    /**
     * A share between 0 and 1, written as a number ({@code 0.1}) or a percentage ({@code "10%"}); the default when
     * absent, or when unreadable or out of range (reported).
     */
    public double share(Object node, String path, double defaultValue) {
        String text = string(node, path, false);
        if (text == null) {
            return defaultValue;
        }
        String t = text.trim();
        boolean percent = t.endsWith("%");
        try {
            double value = Double.parseDouble(percent ? t.substring(0, t.length() - 1).trim() : t) / (percent ? 100 : 1);
            if (Double.isFinite(value) && value >= 0 && value <= 1) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problem(path, "'" + text + "' must be a share between 0 and 1 (0.1) or a percentage (\"10%\")");
        return defaultValue;
    }

    public Duration duration(Object node, String path, Duration defaultValue) {
        String text = string(node, path, false);
        if (text == null) {
            return defaultValue;
        }
        try {
            Duration d = Durations.parse(text);
            if (d.isZero()) {
                problem(path, "must be more than zero");
                return defaultValue;
            }
            return d;
        } catch (IllegalArgumentException e) {
            problem(path, e.getMessage());
            return defaultValue;
        }
    }

    /** A byte size ({@link Sizes}); the default when absent, or when unreadable or out of range (reported). */
    public long size(Object node, String path, long defaultValue, long min, long max) {
        String text = node instanceof Number n ? String.valueOf(n.longValue()) : string(node, path, false);
        if (text == null) {
            return defaultValue;
        }
        try {
            long value = Sizes.parse(text);
            if (value < min || value > max) {
                problem(path, "'" + text + "' is out of range " + min + ".." + max + " bytes");
                return defaultValue;
            }
            return value;
        } catch (IllegalArgumentException e) {
            problem(path, e.getMessage());
            return defaultValue;
        }
    }

    public Boolean bool(Object node, String path) {
        if (node == null) {
            return null;
        }
        if (node instanceof Boolean b) {
            return b;
        }
        String text = string(node, path, true);
        if (text == null) {
            return null; // string() has reported why (a list, an unset variable…): one problem per value
        }
        if ("true".equals(text)) {
            return true;
        }
        if ("false".equals(text)) {
            return false;
        }
        problem(path, "'" + text + "' must be true or false");
        return null;
    }

    private static String describe(Object node) {
        if (node == null) {
            return "nothing";
        }
        if (node instanceof Map) {
            return "a mapping";
        }
        if (node instanceof List) {
            return "a list";
        }
        return "'" + node + "'";
    }
}
