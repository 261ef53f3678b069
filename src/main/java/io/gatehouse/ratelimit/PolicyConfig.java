package io.gatehouse.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One entry of {@code rate-limits}: what it counts by, its windows (or its tiers' windows), how, and what happens
 * beyond them.
 *
 * @param limits         the windows for every caller, or empty when the policy has {@code tiers}
 * @param burst          GCRA: how many requests may come at once in the shortest window (0: its whole count)
 * @param tierClaim      the JWT claim naming a caller's tier (an API key's own {@code tier} otherwise)
 * @param tiers          windows by tier name, in config order ({@code default} for unlisted tiers), or empty
 * @param banFor         how long a key that exceeds the policy is refused outright, or null
 * @param dryRun         count and report, never refuse
 * @param store          {@code local} or {@code redis}
 * @param onStoreFailure {@code local}, {@code open} or {@code closed}: what a {@code redis} policy does while
 *                       Redis cannot be reached
 * @param ipv4Prefix     how many leading bits of an IPv4 client address count ({@code ipv4-prefix}, 32: the address)
 * @param ipv6Prefix     how many leading bits of an IPv6 client address count ({@code ipv6-prefix}, 128: the address)
 */
public record PolicyConfig(String name, KeySpec key, Algorithm algorithm, List<Limit> limits, long burst,
                           String tierClaim, Map<String, List<Limit>> tiers, Duration banFor, boolean dryRun,
                           Store store, OnStoreFailure onStoreFailure, int ipv4Prefix, int ipv6Prefix) {
    public enum Algorithm { SLIDING_WINDOW, GCRA }

    public enum Store { LOCAL, REDIS }

    public enum OnStoreFailure { LOCAL, OPEN, CLOSED }

    public static final String DEFAULT_TIER = "default";

    public PolicyConfig {
        limits = List.copyOf(limits);
        tiers = tiers.isEmpty() ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(tiers));
    }

    /** With the default prefixes: IPv4 clients by address, IPv6 clients by their /64. */
    public PolicyConfig(String name, KeySpec key, Algorithm algorithm, List<Limit> limits, long burst, String tierClaim,
                        Map<String, List<Limit>> tiers, Duration banFor, boolean dryRun, Store store,
                        OnStoreFailure onStoreFailure) {
        this(name, key, algorithm, limits, burst, tierClaim, tiers, banFor, dryRun, store, onStoreFailure,
                IpPrefix.DEFAULT_IPV4, IpPrefix.DEFAULT_IPV6);
    }

    /** The longest window any caller of this policy is counted in: how long an idle key must be remembered. */
    Duration longestWindow() {
        Duration longest = Duration.ZERO;
        for (Limit l : limits) {
            longest = l.window().compareTo(longest) > 0 ? l.window() : longest;
        }
        for (List<Limit> tier : tiers.values()) {
            for (Limit l : tier) {
                longest = l.window().compareTo(longest) > 0 ? l.window() : longest;
            }
        }
        return longest;
    }
}
