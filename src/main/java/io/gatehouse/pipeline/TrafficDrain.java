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
    /** HTTP/2 connections told to go whose second GOAWAY is not out yet. */
    private final LongAdder secondGoAways = new LongAdder();
    private volatile boolean draining;

    /**
     * A request arrived: counted. While draining, an HTTP/1.x response says the connection closes (it is closed
     * in {@link #ended}); HTTP/2 has no such header (RFC 9113 §8.2.2), its clients are told with a GOAWAY.
     */
    void started(HttpServerRequest request) {
        inFlight.increment();
        if (draining && request.version() != HttpVersion.HTTP_2) {
            request.response().headers().set(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
            if (request.version() == HttpVersion.HTTP_1_0) {
                ClosingConnections.mark(request); // Vert.x would say keep-alive to a 1.0 keep-alive client
            }
        }
    }

    /**
     * Its exchange is over: while draining, the client is let go. HTTP/1.x: the connection is closed after the
     * response's bytes (Vert.x flushes before it closes). HTTP/2: GOAWAY in two steps ({@link #goAway}), so streams
     * already open finish and new ones go to a new connection. Only GOAWAY, not
     * {@code shutdown()}: closing the socket ourselves as soon as the last stream ends could reset it while the
     * client's last frames (a SETTINGS ack, a WINDOW_UPDATE) are still unread, and an RST can make the client
     * drop the response it has not read yet. The client closes the connection; the port's close takes the rest.
     * Sent after a response rather than when a request starts: a GOAWAY racing an h2c upgrade lost the request
     * that did the upgrade.
     */
    void ended(HttpServerRequest request) {
        inFlight.decrement();
        if (!draining) {
            return;
        }
        if (request.version() != HttpVersion.HTTP_2) {
            request.connection().close();
        } else if (ClosingConnections.markOnce(request)) {
            goAway(request.connection()); // once per connection
        }
    }

    /** A random-looking PING payload: the second GOAWAY waits for its ack. */
    private static final long PING = 0x6761746568736521L;
    /** The longest the second GOAWAY waits for the PING ack (a client that never acks). */
    static final long SECOND_GOAWAY_MILLIS = 1000;

    /**
     * RFC 9113 §6.8: a GOAWAY with the largest stream id first (NO_ERROR): the client stops opening streams, while
     * those it opened meanwhile, still on their way, are served; then, one round trip later (the ack of a PING sent
     * right after it, or {@link #SECOND_GOAWAY_MILLIS} at most), the GOAWAY naming the last stream the client
     * created. A single GOAWAY with that id at once would refuse streams already in flight, which the client then
     * cannot know were never processed before it reads the GOAWAY. The shutdown waits for the second step
     * ({@link #awaitIdle}). Netty accepts a second GOAWAY as long as its id does not increase.
     */
    private void goAway(io.vertx.core.http.HttpConnection connection) {
        io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
        if (context == null) {
            connection.goAway(0);
            return;
        }
        secondGoAways.increment();
        try {
            connection.goAway(0, Integer.MAX_VALUE);
        } catch (RuntimeException closed) {
            secondGoAways.decrement(); // (nothing to wait for on a connection that is gone)
            return;
        }
        boolean[] sent = {false};
        long[] timer = {-1};
        Runnable second = () -> {
            if (!sent[0]) {
                sent[0] = true;
                context.owner().cancelTimer(timer[0]);
                connection.goAway(0); // the last stream the client created
                secondGoAways.decrement();
            }
        };
        timer[0] = context.owner().setTimer(SECOND_GOAWAY_MILLIS, id -> second.run());
        connection.ping(io.vertx.core.buffer.Buffer.buffer(8).appendLong(PING), ack -> second.run());
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
     * Waits (on the calling thread, never an event loop) until no exchange is in flight and every HTTP/2 client has
     * its last GOAWAY (streams it opened before that are served), or the timeout passes.
     *
     * @return the exchanges still in flight when it returned
     */
    long awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long left;
        // the GOAWAYs still to send first: a stream admitted just before its second GOAWAY is in flight by the time
        // that count falls, so reading the in-flight count after it cannot miss one
        while ((secondGoAways.sum() > 0 | (left = inFlight.sum()) > 0) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return left;
    }
}
