package io.gatehouse.ratelimit;

/**
 * Counts a client address by its network prefix ({@code ipv4-prefix}, {@code ipv6-prefix}): an IPv6 client usually
 * holds a whole /64 and could otherwise step through it to escape a per-address limit. The prefix is written as
 * CIDR in its canonical form ({@code 2001:db8:1:2::/64}, {@code 203.0.113.0/24}), so every way of writing the same
 * address counts alike. A full-length prefix counts the address itself: an IPv4 address as it is (no allocation),
 * an IPv6 one in its canonical form ({@code ::1}, whether the peer was written {@code 0:0:0:0:0:0:0:1} or not).
 *
 * <p>The address is parsed by hand into two longs: no arrays, no {@code InetAddress}; an address kept whole costs
 * nothing. The input is what the pipeline resolved ({@code Exchange.clientIp()}: the peer, or a forwarded entry
 * that parsed as an address); anything else (e.g. {@code unknown}) is returned as it is.
 */
final class IpPrefix {
    static final int DEFAULT_IPV4 = 32;
    static final int DEFAULT_IPV6 = 64;

    /** The first 64 bits of 64:ff9b::/96. */
    private static final long NAT64_HI = 0x0064ff9b00000000L;

    private IpPrefix() {
    }

    /** {@code ip} reduced to its first {@code v4} (IPv4) or {@code v6} (IPv6) bits. */
    static String of(String ip, int v4, int v6) {
        if (ip == null) {
            return "unknown"; // (a PROXY header announcing a Unix socket has no address)
        }
        if (ip.indexOf(':') < 0) {
            return v4 >= 32 ? ip : v4(ip, v4);
        }
        if (ip.length() > 2 && ip.charAt(0) == '[' && ip.charAt(ip.length() - 1) == ']') {
            ip = ip.substring(1, ip.length() - 1); // a forwarded entry written as in a URL ([2001:db8::1])
        }
        return v6(ip, v4, v6);
    }

    private static String v4(String ip, int bits) {
        long address = dotted(ip, 0, ip.length());
        return address < 0 ? ip : format4(address & mask32(bits), bits);
    }

    private static String v6(String ip, int v4Bits, int v6Bits) {
        int end = ip.indexOf('%'); // a zone (fe80::1%eth0) is no part of the address
        if (end < 0) {
            end = ip.length();
        }
        int gap = ip.indexOf("::");
        if (gap >= end) {
            gap = -1;
        }
        int left = gap < 0 ? groups(ip, 0, end) : groups(ip, 0, gap);
        int right = gap < 0 ? 0 : groups(ip, gap + 2, end);
        if (left < 0 || right < 0 || (gap < 0 ? left != 8 : left + right > 7)) {
            return ip;
        }
        long hi = 0;
        long lo = 0;
        // the groups written before "::" take the first places, the ones after it the last
        for (int side = 0; side < 2; side++) {
            int from = side == 0 ? 0 : gap + 2;
            int to = side == 0 ? (gap < 0 ? end : gap) : end;
            if (side == 1 && gap < 0) {
                break;
            }
            int g = side == 0 ? 0 : 8 - right;
            int i = from;
            while (i < to) {
                int colon = ip.indexOf(':', i);
                int stop = colon < 0 || colon > to ? to : colon;
                long value;
                int width;
                if (ip.lastIndexOf('.', stop - 1) >= i) {
                    value = dotted(ip, i, stop); // an IPv4 tail (::ffff:192.0.2.1): two groups
                    width = 2;
                } else {
                    value = hex(ip, i, stop);
                    width = 1;
                }
                if (value < 0) {
                    return ip;
                }
                int shift = 16 * (8 - g - width);
                if (shift >= 64) {
                    hi |= value << (shift - 64);
                } else {
                    lo |= value << shift;
                    if (shift + 16 * width > 64) {
                        hi |= value >>> (64 - shift);
                    }
                }
                g += width;
                i = stop + 1;
            }
        }
        if (hi == 0 && (lo >>> 32) == 0xffffL || hi == NAT64_HI && (lo >>> 32) == 0) {
            // an IPv4 client on a dual-stack socket (::ffff:a.b.c.d), or behind NAT64/SIIT with the well-known
            // prefix (64:ff9b::a.b.c.d, RFC 6052), is counted as the IPv4 client it is: left in one /64, every
            // IPv4 user of such a network would share a single budget
            long address = lo & 0xffffffffL;
            return v4Bits >= 32 ? format4(address, -1) : format4(address & mask32(v4Bits), v4Bits);
        }
        if (v6Bits >= 128) {
            return format6(hi, lo, -1);
        }
        if (v6Bits <= 64) {
            hi &= v6Bits == 0 ? 0 : -1L << (64 - v6Bits);
            lo = 0;
        } else {
            lo &= -1L << (128 - v6Bits);
        }
        return format6(hi, lo, v6Bits);
    }

    /** How many 16-bit groups {@code ip[from, to)} writes (an IPv4 tail counts two); -1 when it is malformed. */
    private static int groups(String ip, int from, int to) {
        if (from == to) {
            return 0;
        }
        int count = 1;
        for (int i = from; i < to; i++) {
            if (ip.charAt(i) == ':') {
                if (i == from || i == to - 1 || ip.charAt(i - 1) == ':') {
                    return -1;
                }
                count++;
            }
        }
        int last = Math.max(from, ip.lastIndexOf(':', to - 1) + 1);
        int dot = ip.indexOf('.', last);
        return dot >= 0 && dot < to ? count + 1 : count;
    }

    private static long hex(String ip, int from, int to) {
        if (to - from < 1 || to - from > 4) {
            return -1;
        }
        long value = 0;
        for (int i = from; i < to; i++) {
            int d = Character.digit(ip.charAt(i), 16);
            if (d < 0) {
                return -1;
            }
            value = value << 4 | d;
        }
        return value;
    }

    /** {@code a.b.c.d} in {@code ip[from, to)} as an unsigned 32-bit value; -1 when it is not one. */
    private static long dotted(String ip, int from, int to) {
        long value = 0;
        int parts = 0;
        int i = from;
        while (i <= to && parts < 4) {
            int octet = 0;
            int digits = 0;
            while (i < to && ip.charAt(i) >= '0' && ip.charAt(i) <= '9' && digits < 3) {
                octet = octet * 10 + ip.charAt(i) - '0';
                digits++;
                i++;
            }
            if (digits == 0 || octet > 255) {
                return -1;
            }
            value = value << 8 | octet;
            parts++;
            if (i < to && ip.charAt(i) != '.') {
                return -1;
            }
            i++;
        }
        return parts == 4 && i > to ? value : -1;
    }

    private static long mask32(int bits) {
        return bits <= 0 ? 0 : (0xffffffffL << (32 - bits)) & 0xffffffffL;
    }

    /** {@code a.b.c.d/bits} ({@code bits} &lt; 0: the address alone). */
    private static String format4(long address, int bits) {
        StringBuilder sb = new StringBuilder(18);
        sb.append(address >>> 24).append('.').append(address >>> 16 & 0xff).append('.')
                .append(address >>> 8 & 0xff).append('.').append(address & 0xff);
        if (bits >= 0) {
            sb.append('/').append(bits);
        }
        return sb.toString();
    }

    /**
     * RFC 5952: lower-case hex without leading zeros, the longest run of two or more zero groups as "::"; then
     * {@code /bits} ({@code bits} &lt; 0: the address alone).
     */
    private static String format6(long hi, long lo, int bits) {
        int bestStart = -1;
        int bestLength = 1;
        for (int g = 0; g < 8; ) {
            if (group(hi, lo, g) != 0) {
                g++;
                continue;
            }
            int start = g;
            while (g < 8 && group(hi, lo, g) == 0) {
                g++;
            }
            if (g - start > bestLength) {
                bestStart = start;
                bestLength = g - start;
            }
        }
        StringBuilder sb = new StringBuilder(44);
        for (int g = 0; g < 8; g++) {
            if (g == bestStart) {
                sb.append("::");
                g += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(group(hi, lo, g)));
        }
        return bits < 0 ? sb.toString() : sb.append('/').append(bits).toString();
    }

    private static int group(long hi, long lo, int g) {
        return (int) ((g < 4 ? hi >>> (48 - 16 * g) : lo >>> (48 - 16 * (g - 4))) & 0xffff);
    }
}
