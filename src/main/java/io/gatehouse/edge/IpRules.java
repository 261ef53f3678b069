package io.gatehouse.edge;

import io.gatehouse.config.ServerConfig;
import io.gatehouse.pipeline.AddressRanges;

/** {@code ip-rules} compiled: an address in {@code deny} is refused; with an {@code allow} list, so is one outside it. */
final class IpRules {
    private final AddressRanges allow;
    private final AddressRanges deny;

    private IpRules(AddressRanges allow, AddressRanges deny) {
        this.allow = allow;
        this.deny = deny;
    }

    /** Null when there are no rules (nothing to check). */
    static IpRules of(ServerConfig.IpRulesConfig config) {
        return config == null || config.isEmpty() ? null
                : new IpRules(AddressRanges.of(config.allow()), AddressRanges.of(config.deny()));
    }

    boolean admits(String address) {
        if (address == null) {
            return false; // no address to judge (a PROXY header for a unix socket): with rules, not let in
        }
        if (deny.contains(address)) {
            return false;
        }
        return allow.isEmpty() || allow.contains(address);
    }
}
