package io.gatehouse.pipeline;

import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

/**
 * Graceful shutdown of the traffic port: counts the exchanges in flight, and once shutdown begins tells the
 * handler to let each HTTP/1.x client go after its response ({@code Connection: close}), so kept-alive clients
 * reconnect to another instance while the requests already here finish.
 */
@Singleton
public class TrafficDrain {
    private final LongAdder inFlight = new LongAdder();
    private volatile boolean draining;

    void started() {
        inFlight.increment();
    }

    void ended() {
        inFlight.decrement();
    }

    long inFlight() {
        return inFlight.sum();
    }

    boolean draining() {
        return draining;
    }

    /** Enters draining mode; from now on every response closes its HTTP/1.x connection. */
    void begin() {
        draining = true;
    }

    /**
     * Waits (on the calling thread, never an event loop) until no exchange is in flight or the timeout passes.
     *
     * @return the exchanges still in flight when it returned
     */
    long awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long left;
        while ((left = inFlight.sum()) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return left;
    }
}
