package io.gatehouse.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;

/** The admin token, as read from its file; compared in constant time. */
final class AdminToken {
    /** Shorter tokens are refused: an admin API guarded by a guessable secret is not guarded. */
    static final int MIN_LENGTH = 16;
    private static final int MAX_BYTES = 4096;

    private final byte[] token;

    private AdminToken(byte[] token) {
        this.token = token;
    }

    /** Reads and checks the file (blocking). Trailing whitespace (a newline in a Secret) is not part of the token. */
    static AdminToken read(Path file) {
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new IllegalArgumentException("'" + file + "' is larger than " + MAX_BYTES + " bytes; it should hold one token");
            }
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (text.length() < MIN_LENGTH || text.chars().anyMatch(c -> c <= ' ' || c > '~')) {
                throw new IllegalArgumentException("'" + file + "' must hold one token of at least " + MIN_LENGTH
                        + " visible ASCII characters");
            }
            return new AdminToken(text.getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new IllegalArgumentException("'" + file + "' cannot be read: " + e.getClass().getSimpleName());
        }
    }

    /**
     * Whether {@code authorization} is {@code Bearer <this token>}, or {@code Basic base64(<any user>:<this token>)}
     * (what a browser sends once the person typed the token as the password).
     */
    boolean admits(String authorization) {
        if (authorization == null) {
            return false;
        }
        byte[] presented;
        if (authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            presented = authorization.substring(7).trim().getBytes(StandardCharsets.US_ASCII);
        } else if (authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            byte[] pair;
            try {
                pair = Base64.getDecoder().decode(authorization.substring(6).trim());
            } catch (IllegalArgumentException notBase64) {
                return false;
            }
            int colon = indexOf(pair, (byte) ':');
            if (colon < 0) {
                return false;
            }
            presented = Arrays.copyOfRange(pair, colon + 1, pair.length);
        } else {
            return false;
        }
        return MessageDigest.isEqual(token, presented);
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
