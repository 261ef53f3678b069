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
