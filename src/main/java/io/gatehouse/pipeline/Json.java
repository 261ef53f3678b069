package io.gatehouse.pipeline;

/** Just enough JSON writing for error bodies and access log lines, without a mapper on the hot path. */
public final class Json {
    private Json() {
    }

    public static StringBuilder quote(StringBuilder sb, String s) {
        if (s == null) {
            return sb.append("null");
        }
        sb.append('"');
        // most values need no escaping: copied whole (one arraycopy), not char by char
        int i = 0;
        int n = s.length();
        while (i < n && !needsEscape(s.charAt(i))) {
            i++;
        }
        if (i == n) {
            return sb.append(s).append('"');
        }
        sb.append(s, 0, i);
        for (; i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        sb.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf])
                                .append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"');
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private static boolean needsEscape(char c) {
        return c < 0x20 || c == '"' || c == '\\' || c == 0x2028 || c == 0x2029;
    }

    /** The body of every error Gatehouse answers itself: {"status":…,"error":…,"message":…,"requestId":…}. */
    public static String error(int status, String code, String message, String requestId) {
        return error(status, code, message, requestId, null);
    }

    /** A JSON error body; {@code traceId} (the request's W3C trace id) is left out when null. */
    public static String error(int status, String code, String message, String requestId, String traceId) {
        StringBuilder sb = new StringBuilder(200);
        sb.append("{\"status\":").append(status).append(",\"error\":");
        quote(sb, code).append(",\"message\":");
        quote(sb, message).append(",\"requestId\":");
        quote(sb, requestId);
        if (traceId != null) {
            quote(sb.append(",\"traceId\":"), traceId);
        }
        return sb.append('}').toString();
    }
}
