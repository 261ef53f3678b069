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
}
