package io.gatehouse.ratelimit;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One window of a policy: at most {@code count} requests per {@code window} ({@code 100/1s}, {@code 60/1m},
 * {@code 1000/1h}, {@code 10000/1d}).
 */
public record Limit(long count, Duration window) {
    private static final Pattern LIMIT = Pattern.compile("(\\d{1,10})/(\\d{0,6})(s|m|h|d)");

    /** @throws IllegalArgumentException with a message fit for a config error */
    static Limit parse(String text) {
        Matcher m = LIMIT.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a limit (use e.g. 100/1s, 60/1m, 1000/1h, 10000/1d)");
        }
        long count = Long.parseLong(m.group(1));
        long n = m.group(2).isEmpty() ? 1 : Long.parseLong(m.group(2));
        if (count < 1 || count > 1_000_000_000L) {
            throw new IllegalArgumentException("'" + text + "': the count must be 1..1000000000");
        }
        Duration window = switch (m.group(3)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
        if (window.isZero() || window.compareTo(Duration.ofDays(31)) > 0) {
            throw new IllegalArgumentException("'" + text + "': the window must be 1s..31d");
        }
        return new Limit(count, window);
    }

    long windowMicros() {
        return window.toNanos() / 1000;
    }

    /** The window as written in the config: {@code 1m}, {@code 10s}, {@code 1d}. */
    String windowText() {
        long s = window.toSeconds();
        return s % 86_400 == 0 ? s / 86_400 + "d" : s % 3600 == 0 ? s / 3600 + "h" : s % 60 == 0 ? s / 60 + "m" : s + "s";
    }

    /** As written in the config: {@code 60/1m}. */
    @Override
    public String toString() {
        return count + "/" + windowText();
    }
}
