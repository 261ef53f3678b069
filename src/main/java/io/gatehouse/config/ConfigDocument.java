package io.gatehouse.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The config file as it was loaded, for operators ({@code GET /admin/config}): the SHA-256 of its text (to tell
 * which version a replica runs) and its content with secrets redacted: values under keys that hold secrets
 * ({@code secret}, {@code password}, {@code private-key}, an API key's {@code hash}…) and any PEM block. References
 * like {@code ${JWT_SECRET}} are shown as written, never with the value they resolve to.
 */
public record ConfigDocument(String sha256, Map<String, Object> redacted) {
    public static final String REDACTED = "<redacted>";
    private static final Set<String> SECRET_KEYS = Set.of("secret", "secrets", "password", "private-key", "hash",
            "client-secret", "token", "api-key", "credentials");

    static ConfigDocument of(String yaml, Map<String, Object> root) {
        return new ConfigDocument(sha256(yaml), castMap(redact(root)));
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JVM has SHA-256
        }
    }

    static boolean secretKey(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return SECRET_KEYS.contains(k) || k.endsWith("-secret") || k.endsWith("-password");
    }

    private static Object redact(Object node) {
        if (node instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String key = String.valueOf(e.getKey());
                copy.put(key, secretKey(key) && e.getValue() != null && !(e.getValue() instanceof Map)
                        && !(e.getValue() instanceof List) ? REDACTED : redact(e.getValue()));
            }
            return Collections.unmodifiableMap(copy);
        }
        if (node instanceof List<?> list) {
            List<Object> copy = new ArrayList<>(list.size());
            for (Object item : list) {
                copy.add(redact(item));
            }
            return Collections.unmodifiableList(copy);
        }
        if (node instanceof String s && s.contains("-----BEGIN")) {
            return REDACTED;
        }
        return node;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Object o) {
        return (Map<String, Object>) o;
    }
}
