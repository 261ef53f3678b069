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
     * in {@link #ended}); HTTP/2 has no such header (RFC 9113 §8.2.2), its clients are told with a GOAWAY.
     */
    void started(HttpServerRequest request) {
        inFlight.increment();
        if (draining && request.version() != HttpVersion.HTTP_2) {
            request.response().headers().set(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
        }
    }

    /**
     * Its exchange is over: while draining, the client is let go. HTTP/1.x: the connection is closed after the
     * response's bytes (Vert.x flushes before it closes). HTTP/2: a GOAWAY naming the last stream the client
     * opened, so streams already open finish and new ones go to a new connection. Only a GOAWAY, not
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
            request.connection().goAway(0); // NO_ERROR, last stream = the last the client created; once per connection
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
