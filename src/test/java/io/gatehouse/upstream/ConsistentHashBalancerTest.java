package io.gatehouse.upstream;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.gatehouse.upstream.Picks.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConsistentHashBalancerTest {
    private static List<Target> targets(int n) {
        List<Target> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(target("10.0.0." + (i + 1), 1));
        }
        return list;
    }

    @Test
    void sameKeyAlwaysGoesToTheSameTarget() {
        Balancer balancer = new ConsistentHashBalancer(targets(5));
        Set<Target> used = new HashSet<>();
        for (int k = 0; k < 1000; k++) {
            String key = "user-" + k;
            Target first = balancer.pick(key);
            used.add(first);
            for (int i = 0; i < 5; i++) {
                assertSame(first, balancer.pick(key), key);
            }
        }
        assertEquals(5, used.size(), "keys reach every target");
    }

    @Test
    void aRingRebuiltFromTheSameTargetsPlacesKeysAlike() {
        // A config reload builds new Target objects: placement must depend on the URLs only.
        Balancer before = new ConsistentHashBalancer(targets(5));
        Balancer after = new ConsistentHashBalancer(targets(5));
        for (int k = 0; k < 10_000; k++) {
            assertEquals(before.pick("user-" + k).url(), after.pick("user-" + k).url(), "user-" + k);
        }
    }

    @Test
    void keysSpreadByWeight() {
        Target heavy = target("heavy", 3);
        Target light = target("light", 1);
        Balancer balancer = new ConsistentHashBalancer(List.of(heavy, light));
        int keys = 40_000;
        Map<Target, Integer> counts = new HashMap<>();
        for (int k = 0; k < keys; k++) {
            counts.merge(balancer.pick("session-" + k), 1, Integer::sum);
        }
        assertEquals(0.75, counts.getOrDefault(heavy, 0) / (double) keys, 0.05, "heavy's share");
        assertEquals(0.25, counts.getOrDefault(light, 0) / (double) keys, 0.05, "light's share");
    }

    @Test
    void equalTargetsShareKeysEvenly() {
        List<Target> targets = targets(8);
        Balancer balancer = new ConsistentHashBalancer(targets);
        int keys = 80_000;
        Map<Target, Integer> counts = new HashMap<>();
        for (int k = 0; k < keys; k++) {
            counts.merge(balancer.pick("203.0.113." + (k % 256) + ":" + k), 1, Integer::sum);
        }
        for (Target t : targets) {
            assertEquals(1.0 / 8, counts.getOrDefault(t, 0) / (double) keys, 0.03, "share of " + t);
        }
    }

    @Test
    void removingOneOfNTargetsMovesOnlyItsOwnKeys() {
        for (int n : new int[] {3, 5, 10}) {
            List<Target> all = targets(n);
            List<Target> without = new ArrayList<>(all);
            Target removed = without.remove(n / 2);
            Balancer before = new ConsistentHashBalancer(all);
            Balancer after = new ConsistentHashBalancer(without);
            int keys = 100_000;
            int moved = 0;
            for (int k = 0; k < keys; k++) {
                String key = "k" + k;
                Target was = before.pick(key);
                Target now = after.pick(key);
                if (was != now) {
                    moved++;
                    assertSame(removed, was, "only keys of the removed target move: " + key);
                }
            }
            double share = moved / (double) keys;
            assertTrue(share <= 1.0 / n + 0.05, n + " targets: moved " + share);
            assertTrue(share > 0, n + " targets: the removed target owned some keys");
        }
    }

    @Test
    void removingAWeightedTargetKeepsEveryOtherKeyInPlace() {
        List<Target> all = List.of(target("a", 2), target("b", 5), target("c", 1), target("d", 3));
        List<Target> without = List.of(all.get(0), all.get(2), all.get(3));
        Balancer before = new ConsistentHashBalancer(all);
        Balancer after = new ConsistentHashBalancer(without);
        for (int k = 0; k < 100_000; k++) {
            Target was = before.pick("k" + k);
            if (was != all.get(1)) {
                assertSame(was, after.pick("k" + k), "k" + k);
            }
        }
    }

    @Test
    void unavailableOwnerHandsItsKeysToOthersAndGetsThemBack() {
        List<Target> targets = targets(4);
        Balancer balancer = new ConsistentHashBalancer(targets);
        Target down = targets.get(1);
        List<String> itsKeys = new ArrayList<>();
        Map<String, Target> owner = new HashMap<>();
        for (int k = 0; k < 20_000; k++) {
            String key = "k" + k;
            Target t = balancer.pick(key);
            owner.put(key, t);
            if (t == down) {
                itsKeys.add(key);
            }
        }
        assertTrue(itsKeys.size() > 1000, "owns a share of the keys: " + itsKeys.size());

        down.available(false);
        Set<Target> heirs = new HashSet<>();
        for (Map.Entry<String, Target> e : owner.entrySet()) {
            Target now = balancer.pick(e.getKey());
            assertNotSame(down, now, e.getKey());
            if (e.getValue() == down) {
                heirs.add(now);
                assertSame(now, balancer.pick(e.getKey()), "its keys stay put while it is away");
            } else {
                assertSame(e.getValue(), now, "keys of available targets do not move: " + e.getKey());
            }
        }
        assertEquals(3, heirs.size(), "its keys spread over all the others, not just one neighbour");

        down.available(true);
        for (Map.Entry<String, Target> e : owner.entrySet()) {
            assertSame(e.getValue(), balancer.pick(e.getKey()), "back where it was: " + e.getKey());
        }
    }

    @Test
    void noAvailableTargetPicksNothing() {
        List<Target> targets = targets(3);
        targets.forEach(t -> t.available(false));
        Balancer balancer = new ConsistentHashBalancer(targets);
        assertNull(balancer.pick("k"));
        assertNull(balancer.pick(null));
        assertNull(new ConsistentHashBalancer(List.of()).pick("k"));
        assertNull(new ConsistentHashBalancer(List.of()).pick(null));
    }

    @Test
    void onlyTheAvailableTargetIsPickedWhenOthersAreDown() {
        List<Target> targets = targets(5);
        Target up = targets.get(3);
        targets.stream().filter(t -> t != up).forEach(t -> t.available(false));
        Balancer balancer = new ConsistentHashBalancer(targets);
        for (int k = 0; k < 5000; k++) {
            assertSame(up, balancer.pick("k" + k));
        }
    }

    @Test
    void requestsWithoutAKeyAreBalancedRoundRobin() {
        Target a = target("a", 2);
        Target b = target("b", 1);
        Balancer balancer = new ConsistentHashBalancer(List.of(a, b));
        StringBuilder order = new StringBuilder();
        for (int i = 0; i < 9; i++) {
            order.append(balancer.pick(i % 2 == 0 ? null : "").host());
        }
        assertEquals("abaabaaba", order.toString(), "smooth weighted round robin for null and empty keys");
        b.available(false);
        for (int i = 0; i < 10; i++) {
            assertSame(a, balancer.pick(null), "round robin skips the unavailable target");
        }
    }

    @Test
    void virtualNodesFollowWeightAndAreCapped() {
        assertEquals(ConsistentHashBalancer.POINTS_PER_WEIGHT * 6,
                new ConsistentHashBalancer(List.of(target("a", 1), target("b", 5))).ringSize());
        List<Target> heavy = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            heavy.add(target("h" + i, 1000));
        }
        int size = new ConsistentHashBalancer(heavy).ringSize();
        assertTrue(size <= ConsistentHashBalancer.MAX_POINTS + heavy.size(), "ring capped: " + size);
        assertTrue(size >= ConsistentHashBalancer.MAX_POINTS - heavy.size(), "ring capped, not starved: " + size);
    }

    @Test
    void sameUrlListedTwiceStillGetsItsOwnShare() {
        Target first = target("same", 1);
        Target second = target("same", 1);
        Balancer balancer = new ConsistentHashBalancer(List.of(first, second));
        int toSecond = 0;
        for (int k = 0; k < 10_000; k++) {
            if (balancer.pick("k" + k) == second) {
                toSecond++;
            }
        }
        assertEquals(0.5, toSecond / 10_000.0, 0.1);
    }

    @Test
    void hashIsOverTheUtf8BytesAndSpreadsNeighbouringLabels() {
        for (String s : new String[] {"", "a", "http://10.0.0.1:8080#0", "é", "日本", "emoji \uD83D\uDE00", "lone \uD800 x"}) {
            assertEquals(reference(s), ConsistentHashBalancer.hash(s), s);
        }
        long h1 = ConsistentHashBalancer.hash("http://a:8080#1");
        long h2 = ConsistentHashBalancer.hash("http://a:8080#2");
        assertNotEquals(h1, h2);
        int differingBits = Long.bitCount(h1 ^ h2);
        assertTrue(differingBits > 16 && differingBits < 48, "avalanche: " + differingBits + " bits differ");
    }

    /** FNV-1a 64 over String.getBytes(UTF_8), then fmix64: what the inline encoder must equal. */
    private static long reference(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return ConsistentHashBalancer.fmix64(h);
    }

    @Test
    void concurrentPicksNeverFailAndNeverChooseAnUnavailableTarget() throws Exception {
        List<Target> targets = new ArrayList<>(targets(5));
        Target down = targets.get(2);
        down.available(false);
        Set<Target> up = new HashSet<>(targets);
        up.remove(down);
        Balancer balancer = new ConsistentHashBalancer(targets);
        assertNotNull(balancer.pick("warm"));
        ConcurrentPicks.assertEveryPickAllowed(balancer, up, 8, 50_000);
    }
}
