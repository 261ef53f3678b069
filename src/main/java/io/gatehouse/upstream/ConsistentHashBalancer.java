package io.gatehouse.upstream;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Consistent hashing on a ring of virtual nodes, ketama style: each target owns {@link #POINTS_PER_WEIGHT}
 * points per unit of weight, placed at the hashes of {@code "<url>#<i>"}; a key goes to the owner of the first
 * point at or after the key's hash (clockwise, wrapping). Removing one of N equal targets moves only the keys it
 * owned, about 1/N of them; every other key stays where it was.
 *
 * <p>When a key's owner is unavailable the key walks on clockwise to the next available target, so the owner's
 * keys spread over the others (its points are interleaved with theirs) and come back when it is available again.
 * A request without a key (null or empty) is balanced by smooth weighted round robin instead.
 *
 * <p>The ring is built once: a pick hashes the key (no allocation), binary-searches a sorted {@code long[]} and
 * reads the owner; no lock.
 */
public final class ConsistentHashBalancer implements Balancer {
    /** Points per unit of weight, as ketama and nginx's consistent hash use. */
    static final int POINTS_PER_WEIGHT = 160;
    /** Ring size cap (16 bytes a point); past it every target's point count is scaled down alike. */
    static final int MAX_POINTS = 1 << 16;

    private final long[] points;
    private final Target[] owners;
    private final Target[] targets;
    private final RoundRobinBalancer withoutKey;

    public ConsistentHashBalancer(List<Target> targets) {
        this.targets = targets.toArray(new Target[0]);
        this.withoutKey = new RoundRobinBalancer(targets);
        long wanted = 0;
        for (Target t : this.targets) {
            wanted += (long) POINTS_PER_WEIGHT * Math.max(1, t.weight());
        }
        double scale = wanted > MAX_POINTS ? (double) MAX_POINTS / wanted : 1.0;

        int total = 0;
        int[] counts = new int[this.targets.length];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = Math.max(1, (int) Math.round(POINTS_PER_WEIGHT * Math.max(1, this.targets[i].weight()) * scale));
            total += counts[i];
        }
        long[] hashes = new long[total];
        int[] ownerIndex = new int[total];
        Map<String, Integer> seen = new HashMap<>();
        int p = 0;
        for (int i = 0; i < counts.length; i++) {
            // The same URL listed twice still gets its own points.
            String url = this.targets[i].url();
            int repeat = seen.merge(url, 1, Integer::sum);
            String label = repeat == 1 ? url : url + "@" + repeat;
            for (int v = 0; v < counts[i]; v++) {
                hashes[p] = hash(label + "#" + v);
                ownerIndex[p] = i;
                p++;
            }
        }
        // Sort points by hash; a (vanishingly unlikely) collision goes to the target listed first.
        Integer[] order = new Integer[total];
        for (int i = 0; i < total; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> {
            int c = Long.compare(hashes[a], hashes[b]);
            return c != 0 ? c : Integer.compare(ownerIndex[a], ownerIndex[b]);
        });
        this.points = new long[total];
        this.owners = new Target[total];
        for (int i = 0; i < total; i++) {
            points[i] = hashes[order[i]];
            owners[i] = this.targets[ownerIndex[order[i]]];
        }
    }

    @Override
    public Target pick(String hashKey) {
        if (hashKey == null || hashKey.isEmpty()) {
            return withoutKey.pick(hashKey);
        }
        int n = points.length;
        if (n == 0) {
            return null;
        }
        int i = Arrays.binarySearch(points, hash(hashKey));
        if (i < 0) {
            i = -i - 1;
        }
        if (i == n) {
            i = 0;
        }
        Target owner = owners[i];
        if (owner.available()) {
            return owner;
        }
        if (!anyAvailable()) {
            return null;
        }
        // Walk clockwise to the next available target. Bounded by the ring in case targets go down meanwhile.
        for (int step = 1; step < n; step++) {
            Target t = owners[(i + step) % n];
            if (t != owner && t.available()) {
                return t;
            }
        }
        return null;
    }

    private boolean anyAvailable() {
        for (Target t : targets) {
            if (t.available()) {
                return true;
            }
        }
        return false;
    }

    /** Points on the ring (for tests). */
    int ringSize() {
        return points.length;
    }

    /**
     * 64-bit hash of the UTF-8 bytes of s: FNV-1a over the bytes, then murmur3's fmix64 finalizer so that
     * strings differing only in their last characters ("url#1", "url#2") land far apart. The UTF-8 encoding is
     * done inline (lone surrogates as '?', as {@link String#getBytes} does), so hashing allocates nothing.
     */
    static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        int len = s.length();
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                h = fnv(h, c);
            } else if (c < 0x800) {
                h = fnv(h, 0xc0 | (c >> 6));
                h = fnv(h, 0x80 | (c & 0x3f));
            } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                h = fnv(h, 0xf0 | (cp >> 18));
                h = fnv(h, 0x80 | ((cp >> 12) & 0x3f));
                h = fnv(h, 0x80 | ((cp >> 6) & 0x3f));
                h = fnv(h, 0x80 | (cp & 0x3f));
            } else if (Character.isSurrogate(c)) {
                h = fnv(h, '?');
            } else {
                h = fnv(h, 0xe0 | (c >> 12));
                h = fnv(h, 0x80 | ((c >> 6) & 0x3f));
                h = fnv(h, 0x80 | (c & 0x3f));
            }
        }
        return fmix64(h);
    }

    private static long fnv(long h, int b) {
        return (h ^ (b & 0xff)) * 0x100000001b3L;
    }

    static long fmix64(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }
}
