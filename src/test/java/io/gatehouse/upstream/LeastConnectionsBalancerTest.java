package io.gatehouse.upstream;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.gatehouse.upstream.Picks.target;
import static io.gatehouse.upstream.Picks.load;
import static io.gatehouse.upstream.Picks.count;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LeastConnectionsBalancerTest {
    @Test
    void sendsToTheTargetWithFewestInFlight() {
        Target a = target("a", 1);
        Target b = target("b", 1);
        Target c = target("c", 1);
        load(a, 5);
        load(b, 2);
        load(c, 7);
        Balancer balancer = new LeastConnectionsBalancer(List.of(a, b, c));
        for (int i = 0; i < 100; i++) {
            assertSame(b, balancer.pick(null));
        }
    }

    @Test
    void followsLoadAsRequestsStartAndEnd() {
        Target a = target("a", 1);
        Target b = target("b", 1);
        Balancer balancer = new LeastConnectionsBalancer(List.of(a, b));
        // Each picked request stays in flight, so every pick must go to the one behind: loads never differ by more than one.
        for (int i = 0; i < 1000; i++) {
            balancer.pick(null).requestStarted();
            assertTrue(Math.abs(a.inFlight() - b.inFlight()) <= 1, "loads " + a.inFlight() + " vs " + b.inFlight());
        }
        assertEquals(500, a.inFlight());
        assertEquals(500, b.inFlight());
    }

    @Test
    void loadIsMeasuredPerUnitOfWeight() {
        Target heavy = target("heavy", 3);
        Target light = target("light", 1);
        Balancer balancer = new LeastConnectionsBalancer(List.of(heavy, light));
        load(heavy, 2);
        load(light, 1);
        // 2/3 < 1/1: the heavy target is less loaded although it has more in flight
        for (int i = 0; i < 100; i++) {
            assertSame(heavy, balancer.pick(null));
        }
        load(heavy, 2);
        // 4/3 > 1/1
        for (int i = 0; i < 100; i++) {
            assertSame(light, balancer.pick(null));
        }
    }

    @Test
    void weightThreeWithThreeInFlightTiesWeightOneWithOne() {
        Target heavy = target("heavy", 3);
        Target light = target("light", 1);
        load(heavy, 3);
        load(light, 1);
        int picks = 20_000;
        Map<Target, Integer> counts = count(new LeastConnectionsBalancer(List.of(heavy, light)), picks);
        assertEquals(0.5, counts.getOrDefault(heavy, 0) / (double) picks, 0.03, "heavy's share of a tie");
        assertEquals(0.5, counts.getOrDefault(light, 0) / (double) picks, 0.03, "light's share of a tie");
    }

    @Test
    void tiesAreSpreadOverAllEqualTargets() {
        Target a = target("a", 1);
        Target b = target("b", 1);
        Target c = target("c", 1);
        Target d = target("d", 1);
        Target busy = target("busy", 1);
        load(busy, 1);
        int picks = 40_000;
        Map<Target, Integer> counts = count(new LeastConnectionsBalancer(List.of(a, b, busy, c, d)), picks);
        for (Target t : List.of(a, b, c, d)) {
            assertEquals(0.25, counts.getOrDefault(t, 0) / (double) picks, 0.02, "share of " + t);
        }
        assertEquals(0, counts.getOrDefault(busy, 0), "the busier target is never chosen");
    }

    @Test
    void unavailableTargetsAreNeverPickedEvenWhenIdlest() {
        Target idle = target("idle", 1);
        Target busy = target("busy", 1);
        Target busier = target("busier", 1);
        load(busy, 4);
        load(busier, 9);
        idle.available(false);
        Balancer balancer = new LeastConnectionsBalancer(List.of(idle, busy, busier));
        for (int i = 0; i < 100; i++) {
            assertSame(busy, balancer.pick(null));
        }
        idle.available(true);
        assertSame(idle, balancer.pick(null), "available again: chosen again");
    }

    @Test
    void noAvailableTargetPicksNothing() {
        Target a = target("a", 1);
        Target b = target("b", 2);
        a.available(false);
        b.available(false);
        assertNull(new LeastConnectionsBalancer(List.of(a, b)).pick(null));
        assertNull(new LeastConnectionsBalancer(List.of()).pick(null));
    }

    @Test
    void concurrentPicksNeverFailAndNeverChooseAnUnavailableTarget() throws Exception {
        Target a = target("a", 5);
        Target b = target("b", 2);
        Target c = target("c", 1);
        Target down = target("down", 10);
        down.available(false);
        ConcurrentPicks.assertEveryPickAllowed(new LeastConnectionsBalancer(List.of(a, down, b, c)), Set.of(a, b, c), 8, 50_000);
    }
}
