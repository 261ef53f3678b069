package io.gatehouse.ratelimit;

import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The fields of an answer, for one window (the short path) and for several (the general one). */
class RateLimitHeadersTest {

    private static MultiMap write(RateLimitsConfig.Headers which, Verdict... verdicts) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        headers.set("X-RateLimit-Limit", "from the upstream"); // replaced, never doubled
        RateLimitHeaders.write(headers, List.of(verdicts), which);
        return headers;
    }

    private static Verdict verdict(PolicyConfig p, int divisor, long... remainingAndResetMicros) {
        Verdict v = new Verdict(p, p.limits());
        v.divisor = divisor;
        for (int i = 0; i < v.limit.length; i++) {
            v.limit[i] = p.limits().get(i).count() / divisor;
            v.remaining[i] = remainingAndResetMicros[2 * i];
            v.resetMicros[i] = remainingAndResetMicros[2 * i + 1];
        }
        return v;
    }

    @Test
    void oneWindow() {
        PolicyConfig p = AlgorithmsTest.policy(PolicyConfig.Algorithm.SLIDING_WINDOW, 0, null, "100/1m");
        MultiMap h = write(RateLimitsConfig.Headers.BOTH, verdict(p, 1, 42, 16_200_000));
        assertEquals("\"p\";q=100;w=60", h.get("RateLimit-Policy"));
        assertEquals("\"p\";r=42;t=17", h.get("RateLimit"));
        assertEquals("100", h.get("RateLimit-Limit"));
        assertEquals("42", h.get("RateLimit-Remaining"));
        assertEquals("17", h.get("RateLimit-Reset"));
        assertEquals(List.of("100"), h.getAll("X-RateLimit-Limit"));
        assertEquals("42", h.get("X-RateLimit-Remaining"));
        assertEquals("17", h.get("X-RateLimit-Reset"));

        MultiMap shared = write(RateLimitsConfig.Headers.DRAFT, verdict(p, 4, 3, 1));
        assertEquals("\"p\";q=25;w=60", shared.get("RateLimit-Policy"), "the fallback's share of the quota");
        assertEquals("\"p\";r=3;t=1", shared.get("RateLimit"));
        assertEquals("from the upstream", shared.get("X-RateLimit-Limit"), "draft only: legacy fields untouched");

        MultiMap legacy = write(RateLimitsConfig.Headers.LEGACY, verdict(p, 4, 3, 1));
        assertEquals("25", legacy.get("RateLimit-Limit"));
        assertEquals(null, legacy.get("RateLimit-Policy"));
    }

    @Test
    void severalWindowsAndPolicies() {
        PolicyConfig p = AlgorithmsTest.policy(PolicyConfig.Algorithm.SLIDING_WINDOW, 0, null, "5/1s", "8/1m");
        MultiMap h = write(RateLimitsConfig.Headers.BOTH, verdict(p, 1, 4, 500_000, 2, 30_000_000));
        assertEquals("\"p/1s\";q=5;w=1, \"p/1m\";q=8;w=60", h.get("RateLimit-Policy"));
        assertEquals("\"p/1s\";r=4;t=1, \"p/1m\";r=2;t=30", h.get("RateLimit"));
        assertEquals("8", h.get("RateLimit-Limit"), "the window with the least left");
        assertEquals("2", h.get("X-RateLimit-Remaining"));
        assertEquals("30", h.get("RateLimit-Reset"));
    }
}
