package io.gatehouse.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;

/** The admin bearer token, as read from its file; compared in constant time. */
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

    /** Whether {@code authorization} is {@code Bearer <this token>}. */
    boolean admits(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] presented = authorization.substring(7).trim().getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(token, presented);
    }
}
