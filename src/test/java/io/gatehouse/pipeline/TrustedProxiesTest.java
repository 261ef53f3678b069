package io.gatehouse.pipeline;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrustedProxiesTest {
    private final TrustedProxies trusted = TrustedProxies.of(List.of("10.0.0.0/8", "192.168.1.7", "2001:db8::/32",
            "172.16.0.0/12"));

    @Test
    void rangesAndSingleAddressesMatchByPrefix() {
        assertTrue(trusted.contains("10.1.2.3"));
        assertTrue(trusted.contains("192.168.1.7"));
        assertFalse(trusted.contains("192.168.1.8"));
        assertTrue(trusted.contains("172.31.255.255"));
        assertFalse(trusted.contains("172.32.0.0"));
        assertTrue(trusted.contains("2001:db8:1::5"));
        assertFalse(trusted.contains("2001:db9::1"));
        assertFalse(trusted.contains("not-an-address"));
        assertFalse(TrustedProxies.NONE.contains("10.1.2.3"));
    }

    @Test
    void theClientIsTheRightMostEntryThatIsNotATrustedProxy() {
        assertEquals("203.0.113.9", trusted.clientAddress("10.0.0.1", "198.51.100.1, 203.0.113.9, 10.0.0.3"));
        assertEquals("203.0.113.9", trusted.clientAddress("10.0.0.1", "203.0.113.9"));
        assertEquals("10.0.0.1", trusted.clientAddress("10.0.0.1", null));
        assertEquals("10.0.0.3", trusted.clientAddress("10.0.0.1", "10.0.0.3"), "all trusted: the farthest one");
        assertEquals("10.0.0.3", trusted.clientAddress("10.0.0.1", "garbage, 10.0.0.3"), "stops at what is not an address");
    }

    @Test
    void forwardedForValuesAreReadLikeXForwardedFor() {
        assertEquals("192.0.2.60, 2001:db8:cafe::17, 203.0.113.43",
                TrustedProxies.forwardedFor("for=192.0.2.60;proto=http;by=203.0.113.43, for=\"[2001:db8:cafe::17]:4711\", "
                        + "For=\"203.0.113.43:47011\""));
        assertEquals("198.51.100.17", trusted.clientAddress("10.0.0.1",
                TrustedProxies.forwardedFor("for=198.51.100.17;proto=https, for=10.0.0.9")));
        assertEquals("10.0.0.9", trusted.clientAddress("10.0.0.1", TrustedProxies.forwardedFor("for=_hidden, for=10.0.0.9")),
                "an obfuscated node is not an address: stop at what is known");
        assertEquals("10.0.0.1", trusted.clientAddress("10.0.0.1", TrustedProxies.forwardedFor("proto=https")));
    }
}
