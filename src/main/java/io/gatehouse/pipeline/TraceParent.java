package io.gatehouse.pipeline;

/** Reading a W3C Trace Context {@code traceparent} (https://www.w3.org/TR/trace-context/#traceparent-header). */
public final class TraceParent {
    public static final String HEADER = "traceparent";

    private TraceParent() {
    }

    /**
     * The trace id of a well-formed {@code traceparent} ({@code 00-<32 hex>-<16 hex>-<2 hex>}, lowercase, ids not all
     * zero; later versions may append fields), or null.
     */
    public static String traceId(String header) {
        if (header == null || header.length() < 55 || (header.length() > 55 && header.charAt(55) != '-')) {
            return null;
        }
        if (header.charAt(2) != '-' || header.charAt(35) != '-' || header.charAt(52) != '-'
                || !hex(header, 0, 2) || header.startsWith("ff") || !hex(header, 3, 35) || !hex(header, 36, 52)
                || !hex(header, 53, 55) || (header.startsWith("00") && header.length() != 55)) {
            return null;
        }
        String traceId = header.substring(3, 35);
        return zeros(header, 3, 35) || zeros(header, 36, 52) ? null : traceId;
    }

    /** A new random trace id (never all zeros). */
    public static String newTraceId() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        long high = random.nextLong();
        long low = random.nextLong();
        if (high == 0 && low == 0) {
            low = 1;
        }
        return hex16(high) + hex16(low);
    }

    /** A new random span id (never all zeros). */
    public static String newSpanId() {
        long id = java.util.concurrent.ThreadLocalRandom.current().nextLong();
        return hex16(id == 0 ? 1 : id);
    }

    private static String hex16(long value) {
        String hex = Long.toHexString(value);
        return hex.length() == 16 ? hex : "0".repeat(16 - hex.length()) + hex;
    }

    /**
     * With tracing off: the upstream gets the client's {@code traceparent} when it is valid (and its
     * {@code tracestate} with it), else a new one in {@code traceId}, not sampled, without the client's state.
     */
    public static void forward(io.vertx.core.MultiMap headers, String traceId) {
        String first = headers.get(HEADER);
        if (first != null && traceId.equals(traceId(first)) && headers.getAll(HEADER).size() == 1) {
            return; // exactly one, valid: two would make the upstream start a trace of its own
        }
        headers.remove(HEADER);
        headers.remove("tracestate");
        headers.set(HEADER, "00-" + traceId + "-" + newSpanId() + "-00");
    }

    private static boolean hex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static boolean zeros(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }
}
