package io.gatehouse.ratelimit;

import io.netty.util.NetUtil;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Client addresses reduced to their prefix: every spelling of an address alike, IPv4 left alone by default. */
class IpPrefixTest {

    @Test
    void ipv4IsKeptAsItIsByDefaultAndMaskedOnRequest() {
        String ip = "203.0.113.7";
        assertSame(ip, IpPrefix.of(ip, 32, 64), "nothing allocated for the common case");
        assertEquals("203.0.113.0/24", IpPrefix.of(ip, 24, 64));
        assertEquals("203.0.0.0/16", IpPrefix.of(ip, 16, 64));
        assertEquals("203.0.113.6/31", IpPrefix.of(ip, 31, 64));
        assertEquals("128.0.0.0/1", IpPrefix.of(ip, 1, 64));
        assertEquals("unknown", IpPrefix.of("unknown", 24, 64), "not an address: as it is");
    }

    @Test
    void ipv6CountsByItsPrefixHoweverItIsWritten() {
        assertEquals("2001:db8:1:2::/64", IpPrefix.of("2001:db8:1:2:3:4:5:6", 32, 64));
        assertEquals("2001:db8:1:2::/64", IpPrefix.of("2001:0DB8:0001:0002:FFFF::1", 32, 64));
        assertEquals("2001:db8:1:2::/64", IpPrefix.of("2001:db8:1:2::", 32, 64));
        assertEquals("2001:db8:1:3::/64", IpPrefix.of("2001:db8:1:3::1", 32, 64));
        assertEquals("2001:db8:1::/48", IpPrefix.of("2001:db8:1:2ff::1", 32, 48));
        assertEquals("2001:db8:1:200::/56", IpPrefix.of("2001:db8:1:2ff::1", 32, 56));
        assertEquals("2001:db8::2/127", IpPrefix.of("2001:db8::3", 32, 127));
        // two equal runs of zeros: the first is the one written as "::" (RFC 5952)
        assertEquals("2001:db8::1:2:0:0/100", IpPrefix.of("2001:db8:0:0:1:2:3:4", 32, 100));
        assertEquals("::/64", IpPrefix.of("::1", 32, 64));
        assertEquals("::/64", IpPrefix.of("0:0:0:0:0:0:0:1", 32, 64));
        assertEquals("fe80::/64", IpPrefix.of("fe80::1%eth0", 32, 64), "the zone is no part of the address");
        assertEquals("8000::/1", IpPrefix.of("ffff::1", 32, 1));
    }

    @Test
    void aFullLengthPrefixCountsTheAddressInItsCanonicalForm() {
        assertEquals("::1", IpPrefix.of("0:0:0:0:0:0:0:1", 32, 128));
        assertEquals("2001:db8::1", IpPrefix.of("2001:DB8:0::0:1", 32, 128));
        assertEquals("1:2:3:4:5:6:7:8", IpPrefix.of("1:2:3:4:5:6:7:8", 32, 128));
        assertEquals("0:1:2:3:4:5:6:7", IpPrefix.of("::1:2:3:4:5:6:7", 32, 128));
        assertEquals("1::", IpPrefix.of("1::", 32, 128));
        assertEquals("2001:db8::c000:207", IpPrefix.of("2001:db8::192.0.2.7", 32, 128), "an IPv4 tail");
    }

    @Test
    void anIpv4ClientOnADualStackSocketIsCountedAsIpv4() {
        assertEquals("192.0.2.7", IpPrefix.of("::ffff:192.0.2.7", 32, 64));
        assertEquals("192.0.2.0/24", IpPrefix.of("::ffff:192.0.2.7", 24, 64));
        assertEquals("192.0.2.7", IpPrefix.of("0:0:0:0:0:ffff:c000:207", 32, 64));
        // behind NAT64/SIIT with the well-known prefix: each IPv4 user its own budget, not one /64 for all of them
        assertEquals("192.0.2.7", IpPrefix.of("64:ff9b::192.0.2.7", 32, 64));
        assertEquals("198.51.100.0/24", IpPrefix.of("64:ff9b::c633:6401", 24, 64));
        assertEquals("64:ff9b:0:1::/64", IpPrefix.of("64:ff9b:0:1::c633:6401", 32, 64), "not the /96 itself");
    }

    @Test
    void aForwardedEntryInBracketsCountsAsTheAddressInside() {
        assertEquals("2001:db8:1:2::/64", IpPrefix.of("[2001:db8:1:2::7]", 32, 64));
        assertEquals("2001:db8:1:2::7", IpPrefix.of("[2001:db8:1:2:0::7]", 32, 128));
        assertEquals("fe80::/64", IpPrefix.of("[fe80::1%eth0]", 32, 64));
        assertEquals("unknown", IpPrefix.of(null, 32, 64));
    }

    @Test
    void malformedTextIsLeftAsItIs() {
        for (String bad : new String[] {"1:2:3", "1:::2", "12345::1", "1:2:3:4:5:6:7:8:9", "g::1", "::1.2.3", ":1::"}) {
            assertEquals(bad, IpPrefix.of(bad, 32, 64), bad);
        }
    }

    /** Against Netty's parser and RFC 5952 writer, on random addresses written in full and compressed. */
    @Test
    void agreesWithNettyOnRandomAddresses() throws Exception {
        Random random = new Random(42);
        for (int i = 0; i < 5000; i++) {
            byte[] address = new byte[16];
            random.nextBytes(address);
            // runs of zero groups, so that "::" shows up in many places
            int zeros = random.nextInt(8);
            int at = random.nextInt(8 - zeros + 1);
            for (int g = at; g < at + zeros; g++) {
                address[2 * g] = 0;
                address[2 * g + 1] = 0;
            }
            if (address[0] == 0 && address[10] == (byte) 0xff) {
                address[0] = 1; // not an IPv4-mapped one: those count as IPv4
            }
            int bits = 1 + random.nextInt(128);
            byte[] masked = address.clone();
            for (int b = bits; b < 128; b++) {
                masked[b / 8] &= (byte) ~(0x80 >>> (b % 8));
            }
            String expected = NetUtil.bytesToIpAddress(masked) + (bits == 128 ? "" : "/" + bits);
            String full = InetAddress.getByAddress(address).getHostAddress();
            String compressed = NetUtil.bytesToIpAddress(address);
            assertEquals(expected, IpPrefix.of(full, 32, bits), full + " /" + bits);
            assertEquals(expected, IpPrefix.of(compressed, 32, bits), compressed + " /" + bits);
        }
    }
}
