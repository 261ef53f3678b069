package io.gatehouse.pipeline;

import java.util.concurrent.ThreadLocalRandom;

/** X-Request-ID: kept from the client when well-formed, otherwise a fresh random one. */
public final class RequestIds {
    public static final String HEADER = "X-Request-ID";
    private static final int MAX_LENGTH = 128;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private RequestIds() {
    }

    /** 1-128 characters of letters, digits and {@code - _ . : + = /}: enough for UUIDs, ULIDs and trace ids. */
    public static boolean isWellFormed(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == ':' || c == '+' || c == '=' || c == '/';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    public static String fromOrNew(String incoming) {
        return isWellFormed(incoming) ? incoming : newId();
    }

    /** 128 random bits as 32 hex characters (ThreadLocalRandom: no contention, and ids need not be secret). */
    public static String newId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long hi = r.nextLong();
        long lo = r.nextLong();
        char[] out = new char[32];
        for (int i = 0; i < 16; i++) {
            out[i] = HEX[(int) (hi >>> (60 - 4 * i)) & 0xf];
            out[16 + i] = HEX[(int) (lo >>> (60 - 4 * i)) & 0xf];
        }
        return new String(out);
    }
}
