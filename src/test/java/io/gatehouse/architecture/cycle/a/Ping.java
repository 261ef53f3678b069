package io.gatehouse.architecture.cycle.a;

import io.gatehouse.architecture.cycle.b.Pong;

/** Half of a deliberate package cycle: proves {@code ArchitectureTest}'s rule catches one. */
public class Ping {
    public Pong pong() {
        return new Pong();
    }
}
