package io.gatehouse.architecture.cycle.b;

import io.gatehouse.architecture.cycle.a.Ping;

/** The other half of the deliberate package cycle. */
public class Pong {
    public Ping ping() {
        return new Ping();
    }
}
