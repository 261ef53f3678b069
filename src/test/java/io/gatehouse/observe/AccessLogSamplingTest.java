package io.gatehouse.observe;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A route's access-log sampling: its share of answers below 500, every 5xx, nothing when off. */
class AccessLogSamplingTest {
    @Test
    void aShareOfAnswersBelow500AndEvery5xx() {
        AccessLogConfigExtension.Sampling half = new AccessLogConfigExtension.Sampling(0.5);
        assertTrue(half.logs(200, 0.4));
        assertFalse(half.logs(200, 0.6));
        assertTrue(half.logs(404, 0.49));
        assertTrue(half.logs(502, 0.99), "a 5xx is always logged");
        AccessLogConfigExtension.Sampling none = new AccessLogConfigExtension.Sampling(0);
        assertFalse(none.logs(200, 0.0));
        assertTrue(none.logs(503, 0.5), "sample: 0 still logs server errors");
        assertFalse(AccessLogConfigExtension.Sampling.OFF.logs(500, 0.0), "access-log: false logs nothing");
        assertTrue(AccessLogConfigExtension.Sampling.ALL.logs(200, 0.999));
    }
}
