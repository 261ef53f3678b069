package io.gatehouse.observe;

import java.nio.charset.StandardCharsets;

/**
 * A JSON text written straight into ASCII bytes: an access-log line is built here and copied once into the batch the
 * writer thread receives, with no String and no charset encoder on the way (one line per request: this is the
 * access log's share of the hot path). Anything outside printable ASCII in a value is written as a {@code \}{@code u}
 * escape, so every line is plain ASCII whatever the client sent, and any JSON reader gets the same text back.
 */
final class JsonBytes {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL = ascii("null");

    private byte[] bytes;
    private int length;

    JsonBytes(int capacity) {
        this.bytes = new byte[capacity];
    }

    /** The bytes of a text that is ASCII (field names, fixed values): for {@link #raw}. */
    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    byte[] array() {
        return bytes;
    }

    int length() {
        return length;
    }

    int capacity() {
        return bytes.length;
    }

    void reset() {
        length = 0;
    }

    String text() {
        return new String(bytes, 0, length, StandardCharsets.US_ASCII);
    }

    private void ensure(int more) {
        if (length + more > bytes.length) {
            bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
        }
    }

    JsonBytes raw(byte[] ascii) {
        ensure(ascii.length);
        System.arraycopy(ascii, 0, bytes, length, ascii.length);
        length += ascii.length;
        return this;
    }

    JsonBytes raw(char asciiChar) {
        ensure(1);
        bytes[length++] = (byte) asciiChar;
        return this;
    }

    /** A JSON string, or {@code null}. */
    JsonBytes quote(String s) {
        return quote(s, Integer.MAX_VALUE);
    }

    /**
     * A JSON string of at most {@code maxBytes} bytes between its quotes, or {@code null}; a longer one is cut there
     * and ends in an escaped ellipsis ({@code …}). The bound is on what the line holds, escapes included: a value of
     * characters that each take an escape is cut six times sooner than a plain one.
     */
    JsonBytes quote(String s, int maxBytes) {
        if (s == null) {
            return raw(NULL);
        }
        int n = s.length();
        long worst = 6L * n;
        ensure((int) Math.min(worst, (long) maxBytes + 6) + 2);
        byte[] b = bytes;
        int at = length;
        b[at++] = '"';
        int start = at;
        // where a value's text must end (the ellipsis may pass it)
        int limit = (int) Math.min(Integer.MAX_VALUE, (long) start + maxBytes);
        int i = 0;
        int plainEnd = (int) Math.min(n, (long) maxBytes);
        while (i < plainEnd && plain(s.charAt(i))) {
            i++;
        }
        // the common case, nothing to escape: one bulk copy (the low byte of each character, all of them ASCII here)
        copyAscii(s, i, b, at);
        at += i;
        for (; i < n; i++) {
            char c = s.charAt(i);
            int size = plain(c) ? 1 : c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' ? 2 : 6;
            if (at + size > limit) {
                at = escape(b, at, '\u2026');
                break;
            }
            if (size == 1) {
                b[at++] = (byte) c;
            } else {
                at = escape(b, at, c);
            }
        }
        b[at++] = '"';
        length = at;
        return this;
    }

    private static int escape(byte[] b, int at, char c) {
        b[at++] = '\\';
        switch (c) {
            case '"' -> b[at++] = '"';
            case '\\' -> b[at++] = '\\';
            case '\n' -> b[at++] = 'n';
            case '\r' -> b[at++] = 'r';
            case '\t' -> b[at++] = 't';
            default -> { // control characters, DEL and everything beyond ASCII (surrogates one by one, as JSON has it)
                b[at++] = 'u';
                b[at++] = HEX[(c >> 12) & 0xf];
                b[at++] = HEX[(c >> 8) & 0xf];
                b[at++] = HEX[(c >> 4) & 0xf];
                b[at++] = HEX[c & 0xf];
            }
        }
        return at;
    }

    private static boolean plain(char c) {
        return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
    }

    @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): an array copy for a Latin-1 string
    private static void copyAscii(String s, int end, byte[] to, int at) {
        s.getBytes(0, end, to, at);
    }

    JsonBytes number(long value) {
        ensure(20);
        if (value < 0) {
            if (value == Long.MIN_VALUE) {
                return raw(ascii(Long.toString(value)));
            }
            bytes[length++] = '-';
            value = -value;
        }
        int digits = 1;
        for (long v = value; v >= 10; v /= 10) {
            digits++;
        }
        int at = length + digits;
        length = at;
        do {
            bytes[--at] = (byte) ('0' + (value % 10));
            value /= 10;
        } while (value != 0);
        return this;
    }

    /** A number below 1000 as exactly three digits (the milliseconds of a timestamp, the fraction of a duration). */
    JsonBytes threeDigits(int value) {
        ensure(3);
        bytes[length++] = (byte) ('0' + value / 100);
        bytes[length++] = (byte) ('0' + value / 10 % 10);
        bytes[length++] = (byte) ('0' + value % 10);
        return this;
    }
}
