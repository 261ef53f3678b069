package io.gatehouse.pipeline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestIdsTest {
    @ParameterizedTest
    @ValueSource(strings = {"abc", "0f8fad5b-d9cb-469f-a165-70867728950e", "01ARZ3NDEKTSV4RRFFQ69G5FAV",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "svc.a:b+c=d/e_f", "x"})
    void wellFormedIdsAreKept(String id) {
        assertTrue(RequestIds.isWellFormed(id));
        assertEquals(id, RequestIds.fromOrNew(id));
    }

    @Test
    void anIdOfExactly128CharactersIsKept() {
        String id = "a".repeat(128);
        assertEquals(id, RequestIds.fromOrNew(id));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "has space", "line\nbreak", "crlf\r\nX-Injected: 1", "tab\there", "quote\"", "ü", "<script>",
            "semi;colon", "comma,separated"})
    void malformedIdsAreReplaced(String id) {
        assertFalse(RequestIds.isWellFormed(id));
        String replacement = RequestIds.fromOrNew(id);
        assertNotEquals(id, replacement);
        assertTrue(replacement.matches("[0-9a-f]{32}"), replacement);
    }

    @Test
    void anIdLongerThan128CharactersIsReplaced() {
        String id = "a".repeat(129);
        String replacement = RequestIds.fromOrNew(id);
        assertTrue(replacement.matches("[0-9a-f]{32}"), replacement);
    }

    @Test
    void aMissingIdIsGenerated() {
        assertFalse(RequestIds.isWellFormed(null));
        assertTrue(RequestIds.fromOrNew(null).matches("[0-9a-f]{32}"));
    }

    @Test
    void generatedIdsAre32HexCharactersAndDistinct() {
        Set<String> seen = new HashSet<>();
        int n = 100_000;
        boolean[] hexDigitSeen = new boolean[16];
        for (int i = 0; i < n; i++) {
            String id = RequestIds.newId();
            assertTrue(id.matches("[0-9a-f]{32}"), id);
            assertTrue(RequestIds.isWellFormed(id), "a generated id is one the gateway would keep");
            seen.add(id);
            hexDigitSeen[Character.digit(id.charAt(i % 32), 16)] = true;
        }
        assertEquals(n, seen.size(), "no duplicates");
        for (int d = 0; d < 16; d++) {
            assertTrue(hexDigitSeen[d], "every hex digit appears at every position over time: " + d);
        }
    }
}
