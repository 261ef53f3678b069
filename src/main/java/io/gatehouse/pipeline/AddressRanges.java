package io.gatehouse.pipeline;

import io.netty.util.NetUtil;

import java.util.List;

/**
 * A set of CIDR ranges and single addresses ({@code 10.0.0.0/8}, {@code 2001:db8::/32}, {@code 192.0.2.7}), compared
 * as bytes: no DNS, IPv4 and IPv6 alike (an IPv4 address never matches an IPv6 range). Immutable; built when a
 * config is compiled, read on every request that checks it.
 */
public final class AddressRanges {
    public static final AddressRanges NONE = new AddressRanges(new byte[0][], new int[0]);

    private final byte[][] networks;
    private final int[] prefixes;

    private AddressRanges(byte[][] networks, int[] prefixes) {
        this.networks = networks;
        this.prefixes = prefixes;
    }

    /** @param cidrs each checked by the config parser already ({@code ServerParser.cidrs}) */
    public static AddressRanges of(List<String> cidrs) {
        if (cidrs.isEmpty()) {
            return NONE;
        }
        byte[][] networks = new byte[cidrs.size()][];
        int[] prefixes = new int[cidrs.size()];
        for (int i = 0; i < cidrs.size(); i++) {
            String cidr = cidrs.get(i);
            int slash = cidr.indexOf('/');
            byte[] raw = NetUtil.createByteArrayFromIpAddressString(slash < 0 ? cidr : cidr.substring(0, slash));
            int prefix = slash < 0 ? raw.length * 8 : Integer.parseInt(cidr.substring(slash + 1));
            networks[i] = unmapped(raw);
            // ::ffff:10.0.0.0/104 is 10.0.0.0/8
            prefixes[i] = networks[i].length < raw.length ? Math.max(0, prefix - 96) : prefix;
        }
        return new AddressRanges(networks, prefixes);
    }

    public boolean isEmpty() {
        return networks.length == 0;
    }

    /** Whether {@code address} (a literal IP) lies in one of the ranges; false for anything that is not an address. */
    public boolean contains(String address) {
        if (networks.length == 0 || address == null) {
            return false;
        }
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address.trim());
        if (bytes == null) {
            return false;
        }
        bytes = unmapped(bytes);
        for (int i = 0; i < networks.length; i++) {
            if (matches(networks[i], prefixes[i], bytes)) {
                return true;
            }
        }
        return false;
    }

    /**
     * An IPv4-mapped IPv6 address ({@code ::ffff:203.0.113.9}, as a dual-stack socket or a PROXY TCP6 header gives an
     * IPv4 client) as the IPv4 address it is, so IPv4 ranges judge it; any other address as it is.
     */
    static byte[] unmapped(byte[] address) {
        if (address.length != 16) {
            return address;
        }
        for (int i = 0; i < 10; i++) {
            if (address[i] != 0) {
                return address;
            }
        }
        if (address[10] != (byte) 0xff || address[11] != (byte) 0xff) {
            return address;
        }
        return java.util.Arrays.copyOfRange(address, 12, 16);
    }

    private static boolean matches(byte[] network, int prefix, byte[] address) {
        if (network.length != address.length) {
            return false;
        }
        int full = prefix / 8;
        for (int b = 0; b < full; b++) {
            if (network[b] != address[b]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (network[full] & mask) == (address[full] & mask);
    }
}
