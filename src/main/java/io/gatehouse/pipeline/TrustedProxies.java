package io.gatehouse.pipeline;

import io.netty.util.NetUtil;

import java.util.List;

/**
 * {@code server.trusted-proxies}: the address ranges (CIDR) of the proxies in front of the gateway whose forwarding
 * headers are believed. From any other peer, {@code Forwarded}, {@code X-Forwarded-Proto/Host/Port/Prefix} and
 * {@code X-Real-IP} are the client's own claims and are replaced or removed; from a trusted one they are kept, and
 * the client's address is the right-most {@code X-Forwarded-For} entry that is not itself a trusted proxy.
 * Addresses are compared as bytes (no DNS), IPv4 and IPv6 alike.
 */
public final class TrustedProxies {
    public static final TrustedProxies NONE = new TrustedProxies(AddressRanges.NONE);

    private final AddressRanges ranges;

    private TrustedProxies(AddressRanges ranges) {
        this.ranges = ranges;
    }

    /** @param cidrs each checked by the config parser already ({@code ServerParser}) */
    public static TrustedProxies of(List<String> cidrs) {
        return cidrs.isEmpty() ? NONE : new TrustedProxies(AddressRanges.of(cidrs));
    }

    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** Whether {@code address} (a literal IP) lies in one of the ranges. */
    public boolean contains(String address) {
        return ranges.contains(address);
    }

    /**
     * The {@code for=} values of an RFC 7239 {@code Forwarded} header, in order, comma-joined as X-Forwarded-For
     * would carry them: quotes, IPv6 brackets and ports removed; an obfuscated or {@code unknown} node kept as
     * written (it is not an address, so {@link #clientAddress} stops there). Null when there is none.
     */
    static String forwardedFor(String forwarded) {
        if (forwarded == null) {
            return null;
        }
        StringBuilder out = new StringBuilder();
        for (String element : forwarded.split(",")) {
            for (String pair : element.split(";")) {
                int eq = pair.indexOf('=');
                if (eq < 0 || !pair.substring(0, eq).trim().equalsIgnoreCase("for")) {
                    continue;
                }
                String node = pair.substring(eq + 1).trim();
                if (node.length() >= 2 && node.startsWith("\"") && node.endsWith("\"")) {
                    node = node.substring(1, node.length() - 1);
                }
                if (node.startsWith("[")) {
                    int close = node.indexOf(']');
                    node = close > 0 ? node.substring(1, close) : node;
                } else if (node.indexOf(':') == node.lastIndexOf(':') && node.indexOf(':') > 0) {
                    node = node.substring(0, node.indexOf(':')); // IPv4 with a port
                }
                if (out.length() > 0) {
                    out.append(", ");
                }
                out.append(node.isEmpty() ? "unknown" : node);
            }
        }
        return out.length() == 0 ? null : out.toString();
    }

    /**
     * The client's address when the peer is trusted: walking {@code X-Forwarded-For} from the right, the first entry
     * that is not a trusted proxy (each proxy appends the address it got the request from). the last trusted one when
     * every entry is trusted, {@code peer} when the header is absent; it stops at an entry that is not an address.
     */
    public String clientAddress(String peer, String forwardedFor) {
        if (forwardedFor == null) {
            return peer;
        }
        int end = forwardedFor.length();
        String last = peer;
        while (end > 0) {
            int comma = forwardedFor.lastIndexOf(',', end - 1);
            String entry = forwardedFor.substring(comma + 1, end).trim();
            end = comma < 0 ? 0 : comma;
            if (NetUtil.createByteArrayFromIpAddressString(entry) == null) {
                return last; // not an address: stop at what is known
            }
            if (!contains(entry)) {
                return entry;
            }
            last = entry;
        }
        return last;
    }
}
