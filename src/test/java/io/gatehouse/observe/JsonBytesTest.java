package io.gatehouse.observe;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The access log's byte writer: whatever a client sends comes back the same from a JSON reader, in plain ASCII. */
class JsonBytesTest {

    private static JsonObject parse(JsonBytes json) {
        byte[] bytes = java.util.Arrays.copyOf(json.array(), json.length());
        for (byte b : bytes) {
            assertTrue(b >= 0x20 && b < 0x7f, "only printable ASCII, got " + b);
        }
        return new JsonObject(json.text());
    }

    @Test
    void hostileValuesRoundTrip() {
        String[] values = {"", "plain", "quote \" and \\ backslash", "new\nline\r\ttab", "nul \0 bell \u0007 del \u007f",
            "é café ü", "日本語", "emoji 😀 pair", "lone \ud800 surrogate", "line sep \u2028 \u2029", "</script>"};
        for (String value : values) {
            JsonBytes json = new JsonBytes(4); // grows as it goes
            json.raw(JsonBytes.ascii("{\"v\":")).quote(value).raw(JsonBytes.ascii(",\"n\":")).quote(null).raw('}');
            JsonObject parsed = parse(json);
            assertEquals(value, parsed.getString("v"));
            assertTrue(parsed.containsKey("n") && parsed.getValue("n") == null);
        }
    }

    @Test
    void aValueIsCutAtItsByteBudgetEscapesIncluded() {
        JsonBytes plain = new JsonBytes(8);
        plain.quote("a".repeat(100), 10);
        assertEquals("\"aaaaaaaaaa\\u2026\"", plain.text());
        JsonBytes escaped = new JsonBytes(8);
        escaped.quote("\u00e9".repeat(100), 20); // six bytes each: three fit
        assertEquals("\"" + "\\u00e9".repeat(3) + "\\u2026\"", escaped.text());
        assertEquals("\u00e9\u00e9\u00e9\u2026", new JsonObject("{\"v\":" + escaped.text() + "}").getString("v"));
        JsonBytes fits = new JsonBytes(8);
        fits.quote("abc", 3);
        assertEquals("\"abc\"", fits.text(), "exactly the budget: not cut");
    }

    @Test
    void numbersAndThreeDigitFractions() {
        Random random = new Random(7);
        long[] fixed = {0, 1, 9, 10, 99, 100, -1, -10, Long.MAX_VALUE, Long.MIN_VALUE, 1_000_000_007L};
        for (int i = 0; i < fixed.length + 1000; i++) {
            long n = i < fixed.length ? fixed[i] : random.nextLong() >> random.nextInt(64);
            JsonBytes json = new JsonBytes(1);
            json.number(n);
            assertEquals(Long.toString(n), json.text());
        }
        for (int ms : new int[] {0, 7, 42, 100, 999}) {
            JsonBytes json = new JsonBytes(1);
            json.threeDigits(ms);
            assertEquals(String.format("%03d", ms), json.text());
        }
    }
}
