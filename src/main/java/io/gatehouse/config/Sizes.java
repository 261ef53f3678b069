package io.gatehouse.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte sizes as the config writes them: {@code 8192}, {@code 16KB}, {@code 10MB}, {@code 1GB} (units of 1024). */
public final class Sizes {
    private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*(B|KB?|MB?|GB?)?");

    private Sizes() {
    }

    public static long parse(String text) {
        Matcher m = SIZE.matcher(text.trim().toUpperCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size (e.g. 8192, 16KB, 10MB)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2);
        return switch (unit.charAt(0)) {
            case 'K' -> n * 1024;
            case 'M' -> n * 1024 * 1024;
            case 'G' -> n * 1024 * 1024 * 1024;
            default -> n;
        };
    }
}
