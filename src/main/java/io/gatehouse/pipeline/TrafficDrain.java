package io.gatehouse.pipeline;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

/**
 * Graceful shutdown of the traffic port: counts the exchanges in flight, and once shutdown begins lets each
 * HTTP/1.x client go after its response ({@code Connection: close}), so kept-alive clients reconnect to another
 * instance while the requests already here finish.
 */
@Singleton
public class TrafficDrain {
    private final LongAdder inFlight = new LongAdder();
    private volatile boolean draining;

    /**
     * A request arrived: counted. While draining, an HTTP/1.x response says the connection closes (it is closed
     * in {@link #ended}). HTTP/2 connections are left alone until the port closes: sending GOAWAY early was tried,
     * and a client that had just upgraded (h2c) lost its request in flight.
     */
    void started(HttpServerRequest request) {
        inFlight.increment();
        if (draining && request.version() != HttpVersion.HTTP_2) {
            request.response().headers().set(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
        }
    }

    /** Its exchange is over: while draining, an HTTP/1.x client is let go. */
    void ended(HttpServerRequest request) {
        inFlight.decrement();
        if (draining && request.version() != HttpVersion.HTTP_2) {
            request.connection().close(); // after the response's bytes: Vert.x flushes before it closes
        }
    }

    long inFlight() {
        return inFlight.sum();
    }

    boolean draining() {
        return draining;
    }

    /** Enters draining mode: from now on every HTTP/1.x response closes its connection. */
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
