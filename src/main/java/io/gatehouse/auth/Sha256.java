package io.gatehouse.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 of a credential's UTF-8 bytes: the key store's lookup and the token cache's key. */
final class Sha256 {
    private static final MessageDigest PROTOTYPE;

    static {
        try {
            PROTOTYPE = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Sha256() {
    }

    static byte[] of(String text) {
        MessageDigest digest;
        try {
            digest = (MessageDigest) PROTOTYPE.clone(); // cheaper than a provider lookup per request
        } catch (CloneNotSupportedException e) {
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
        return digest.digest(text.getBytes(StandardCharsets.UTF_8));
    }
}
