package io.gatehouse.config;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DurationsTest {
    @Test
    void everyContractUnitParses() {
        assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
        assertEquals(Duration.ofSeconds(10), Durations.parse("10s"));
        assertEquals(Duration.ofMinutes(5), Durations.parse("5m"));
        assertEquals(Duration.ofHours(1), Durations.parse("1h"));
        assertEquals(Duration.ofDays(1), Durations.parse("1d"));
        assertEquals(Duration.ZERO, Durations.parse("0s"));
    }

    @Test
    void surroundingWhitespaceIsIgnored() {
        assertEquals(Duration.ofSeconds(3), Durations.parse("  3s\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10", "s", "10 s", "-5s", "1.5s", "10S", "10sec", "5mm", "1w", "1234567890s", "1h30m"})
    void malformedDurationsAreRefusedWithAConfigMessage(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertEquals("'" + text + "' is not a duration (use e.g. 250ms, 10s, 5m, 1h)", e.getMessage());
    }
}
