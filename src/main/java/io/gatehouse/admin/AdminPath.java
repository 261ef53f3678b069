package io.gatehouse.admin;

import io.gatehouse.pipeline.AdminEndpoint;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * An admin endpoint path with parameters: {@code {name}} takes one path segment, {@code {name+}} one or more (at
 * most one such per path), so {@code upstreams/{upstream}/targets/{target+}/drain} matches a target written as
 * {@code 127.0.0.1:3001}, as {@code http%3A%2F%2F127.0.0.1%3A3001} or even unencoded as {@code http://127.0.0.1:3001}.
 * Values are percent-decoded (UTF-8; {@code +} stays a plus, as in any path).
 */
record AdminPath(String pattern, String[] segments, AdminEndpoint endpoint) {

    static boolean hasParameters(String path) {
        return path.contains("{");
    }

    static AdminPath of(AdminEndpoint endpoint) {
        String[] segments = endpoint.path().split("/", -1);
        int rest = 0;
        for (String s : segments) {
            if (s.startsWith("{") && s.endsWith("+}")) {
                rest++;
            }
        }
        if (rest > 1) {
            throw new IllegalStateException("admin endpoint " + endpoint.path() + ": at most one {name+} parameter");
        }
        return new AdminPath(endpoint.path(), segments, endpoint);
    }

    /** The parameters when {@code path} (below /admin/, not decoded) matches, else null. */
    Map<String, String> match(String path) {
        String[] parts = path.split("/", -1);
        int restAt = -1;
        for (int i = 0; i < segments.length; i++) {
            if (segments[i].endsWith("+}")) {
                restAt = i;
            }
        }
        if (restAt < 0 ? parts.length != segments.length : parts.length < segments.length) {
            return null;
        }
        Map<String, String> params = new HashMap<>();
        int tail = segments.length - restAt - 1; // segments after the {name+} one
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i];
            if (i == restAt) {
                String joined = String.join("/", java.util.Arrays.copyOfRange(parts, i, parts.length - tail));
                if (joined.isEmpty()) {
                    return null;
                }
                params.put(segment.substring(1, segment.length() - 2), decode(joined));
                continue;
            }
            String part = parts[restAt >= 0 && i > restAt ? parts.length - (segments.length - i) : i];
            if (segment.startsWith("{") && segment.endsWith("}")) {
                if (part.isEmpty()) {
                    return null;
                }
                params.put(segment.substring(1, segment.length() - 1), decode(part));
            } else if (!segment.equals(part)) {
                return null;
            }
        }
        return params;
    }

    /** Percent-decoding of a path (UTF-8). @throws IllegalArgumentException on a bad escape */
    static String decode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    throw new IllegalArgumentException("bad escape");
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new IllegalArgumentException("bad escape");
                }
                out.write(hi * 16 + lo);
                i += 2;
            } else {
                byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
