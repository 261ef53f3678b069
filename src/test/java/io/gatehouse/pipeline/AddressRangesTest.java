package io.gatehouse.pipeline;

import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CIDR matching, IPv4-mapped IPv6 included; and the traceparent an upstream gets with tracing off. */
class AddressRangesTest {

    @Test
    void anIpv4MappedAddressIsJudgedByIpv4Ranges() {
        AddressRanges v4 = AddressRanges.of(List.of("203.0.113.0/24", "192.0.2.7"));
        assertTrue(v4.contains("203.0.113.9"));
        assertTrue(v4.contains("::ffff:203.0.113.9"), "a dual-stack socket's view of an IPv4 client");
        assertTrue(v4.contains("::ffff:192.0.2.7"));
        assertFalse(v4.contains("::ffff:198.51.100.1"));
        assertFalse(v4.contains("2001:db8::1"));
        AddressRanges mapped = AddressRanges.of(List.of("::ffff:10.0.0.0/104"));
        assertTrue(mapped.contains("10.1.2.3"), "::ffff:10.0.0.0/104 is 10.0.0.0/8");
        assertFalse(mapped.contains("11.0.0.1"));
        AddressRanges v6 = AddressRanges.of(List.of("2001:db8::/32"));
        assertTrue(v6.contains("2001:db8:1::5"));
        assertFalse(v6.contains("203.0.113.9"));
        assertFalse(v6.contains("not an address"));
    }

    @Test
    void withTracingOffTheUpstreamGetsExactlyOneValidTraceparent() {
        String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        String valid = "00-" + trace + "-00f067aa0ba902b7-01";
        MultiMap one = MultiMap.caseInsensitiveMultiMap().add("traceparent", valid).add("tracestate", "a=1");
        TraceParent.forward(one, trace);
        assertEquals(List.of(valid), one.getAll("traceparent"));
        assertEquals("a=1", one.get("tracestate"));
        MultiMap two = MultiMap.caseInsensitiveMultiMap().add("traceparent", valid).add("traceparent", "00-x").add("tracestate", "a=1");
        TraceParent.forward(two, trace);
        assertEquals(1, two.getAll("traceparent").size());
        assertTrue(two.get("traceparent").matches("00-" + trace + "-[0-9a-f]{16}-00"), two.get("traceparent"));
        assertFalse(two.contains("tracestate"));
        MultiMap none = MultiMap.caseInsensitiveMultiMap();
        TraceParent.forward(none, trace);
        assertTrue(none.get("traceparent").startsWith("00-" + trace + "-"));
    }
}
