package io.gatehouse.proxy;

import io.gatehouse.pipeline.Exchange;
import io.gatehouse.upstream.Target;
import io.netty.util.concurrent.FastThreadLocal;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpServerResponse;

import java.util.ArrayList;

/**
 * The proxy's timeouts, kept by one periodic sweep per event loop instead of timers per request (scheduling
 * and cancelling two or three timers for every request cost several percent of throughput). Each upstream
 * exchange is watched from the moment the proxy starts it:
 * <ul>
 * <li>until it has a connection, it may take {@code timeout} (the pool's wait and the connect);</li>
 * <li>while the client's body streams up, neither side may stall: the upstream not reading (its write queue stays
 * full) for {@code send-timeout} is a 504, as nginx's {@code proxy_send_timeout}; the client not sending (while
 * the upstream could take more) for {@code server.client-body-timeout} is a 408. A long upload that keeps moving
 * is never cut;</li>
 * <li>once the request is sent, the response head may take {@code timeout} (as nginx's {@code proxy_read_timeout}
 * and Envoy's route timeout count it); across the attempts of a retried request, {@code timeout} counts from the
 * first attempt's request being sent;</li>
 * <li>while the response body streams, the upstream may pause for {@code timeout} at most, unless it is the client
 * that is not reading (its write queue is full: back-pressure, not a stalled upstream).</li>
 * </ul>
 * Each attempt of a retried request has its own watch. Precision is one sweep ({@value #SWEEP_MILLIS} ms). Everything here runs on one event loop: no locks.
 */
final class UpstreamTimeouts {
    static final long SWEEP_MILLIS = 50;

    /** When a request's response head is due, shared by its attempts: 0 until the first request is sent. */
    static final class HeadDeadline {
        long nanos;
    }

    /** One watched exchange. */
    static final class Watch {
        final Exchange exchange;
        final Target target;
        long headTimeoutNanos;
        final long bodyTimeoutNanos;
        final long sendTimeoutNanos;
        final long clientBodyTimeoutNanos;
        final HeadDeadline deadline;
        /** The client's body being streamed up: watched for the send and client-body timeouts. Null otherwise. */
        io.vertx.core.http.HttpServerRequest sendingFrom;
        long lastRead;
        boolean upstreamFull;
        /** Set once the attempt was judged (for passive health), or found blameless: later failures add nothing. */
        boolean verdictGiven;
        /** Set once the attempt's counters are released: every path releases them exactly once. */
        boolean ended;
        /** The target's circuit breaker waiting for this attempt's outcome, or null. */
        java.util.concurrent.CompletableFuture<Void> breakerOutcome;
        long since;
        /** When the attempt started (for the target's latency). */
        final long startNanos = System.nanoTime();
        HttpClientRequest upstreamRequest;
        HttpServerResponse streamingTo;
        /** Body bytes received from the upstream so far (counted by the relay and by whole-body reads). */
        long received;
        /** The body is held on purpose (the filters' response phases run): not a stall. */
        boolean holding;
        /**
         * How the upstream's response failed while its body was held (Vert.x reports a failure once, to the handler
         * set at the time: one set later never hears of it), or null.
         */
        Throwable heldFailure;

        void held(Throwable failure) {
            if (heldFailure == null) {
                heldFailure = failure;
            }
        }
        long lastBytes;
        int index = -1;
        /** The attempt's client span when the request is traced, else null; ended with the attempt. */
        io.gatehouse.pipeline.RequestTrace.Step span;
        /** The upstream's status for the span (0 before a head), and what went wrong, if anything. */
        int upstreamStatus;
        String spanError;

        Watch(Exchange exchange, Target target, long headTimeoutMillis, long bodyTimeoutMillis, long sendTimeoutMillis,
              long clientBodyTimeoutMillis, HeadDeadline deadline) {
            this.exchange = exchange;
            this.target = target;
            this.headTimeoutNanos = headTimeoutMillis * 1_000_000L;
            this.bodyTimeoutNanos = bodyTimeoutMillis * 1_000_000L;
            this.sendTimeoutNanos = sendTimeoutMillis * 1_000_000L;
            this.clientBodyTimeoutNanos = clientBodyTimeoutMillis * 1_000_000L;
            this.deadline = deadline;
        }

        /** The client's body starts streaming up: from now on its progress is watched, not the head. */
        void sending(io.vertx.core.http.HttpServerRequest from) {
            this.sendingFrom = from;
            this.lastRead = from.bytesRead();
            this.since = System.nanoTime();
        }

        /** The whole request is written: the response head is due within {@code timeout} from now. */
        void sent() {
            if (streamingTo != null || ended) {
                return; // answered already (an upstream may answer before it has read the whole body)
            }
            sendingFrom = null;
            long now = System.nanoTime();
            if (deadline.nanos == 0) {
                deadline.nanos = now + bodyTimeoutNanos; // the route's timeout, from the first request sent
            }
            headTimeoutNanos = Math.max(0, deadline.nanos - now);
            since = now;
        }

        /** The attempt's outcome, for passive health and the circuit breaker (the first report counts). */
        void report(boolean ok) {
            verdictGiven = true;
            exchange.route().upstream().outcome(target, ok);
            java.util.concurrent.CompletableFuture<Void> breaker = breakerOutcome;
            if (breaker != null) {
                breakerOutcome = null;
                if (ok) {
                    breaker.complete(null);
                } else {
                    breaker.completeExceptionally(io.gatehouse.upstream.TargetBreaker.FAILED);
                }
            }
        }

        /** The attempt ended for a reason that says nothing about the target (a gateway bug): no verdict. */
        void neutral() {
            verdictGiven = true;
            java.util.concurrent.CompletableFuture<Void> breaker = breakerOutcome;
            if (breaker != null) {
                breakerOutcome = null;
                breaker.complete(null);
            }
        }

        /** The upstream request exists: a timeout now resets it. */
        void requestSent(HttpClientRequest request) {
            this.upstreamRequest = request;
        }

        /** The head arrived: from now on only pauses in the body count. */
        void bodyStarted(HttpServerResponse response) {
            this.streamingTo = response;
            this.lastBytes = received;
            this.since = System.nanoTime();
        }
    }

    private final Vertx vertx;
    private final FastThreadLocal<Loop> loops = new FastThreadLocal<>();

    UpstreamTimeouts(Vertx vertx) {
        this.vertx = vertx;
    }

    /** Starts watching; call on the request's event loop. */
    Watch watch(Exchange exchange, Target target, long headTimeoutMillis, long bodyTimeoutMillis, long sendTimeoutMillis,
                long clientBodyTimeoutMillis, HeadDeadline deadline) {
        Watch w = new Watch(exchange, target, headTimeoutMillis, bodyTimeoutMillis, sendTimeoutMillis,
                clientBodyTimeoutMillis, deadline);
        w.since = System.nanoTime();
        loop().add(w);
        return w;
    }

    /** Stops watching (the exchange is over); call on the same event loop. */
    void done(Watch w) {
        if (w.index >= 0) {
            loop().remove(w);
        }
    }

    private Loop loop() {
        Loop loop = loops.get();
        if (loop == null) {
            loop = new Loop();
            loops.set(loop);
            Loop self = loop;
            // A periodic timer on this event loop's context: the sweep runs on the thread that owns the list.
            vertx.setPeriodic(SWEEP_MILLIS, id -> self.sweep());
        }
        return loop;
    }

    /** The watches of one event loop: an array list with swap-remove, so add and remove are O(1). */
    private static final class Loop {
        final ArrayList<Watch> watches = new ArrayList<>();

        void add(Watch w) {
            w.index = watches.size();
            watches.add(w);
        }

        void remove(Watch w) {
            int i = w.index;
            Watch last = watches.remove(watches.size() - 1);
            if (last != w) {
                watches.set(i, last);
                last.index = i;
            }
            w.index = -1;
        }

        void sweep() {
            long now = System.nanoTime();
            for (int i = watches.size() - 1; i >= 0; i--) {
                if (i >= watches.size()) {
                    continue; // an expiry below ended other watches
                }
                Watch w = watches.get(i);
                try {
                    check(w, now);
                } catch (RuntimeException e) {
                    // one watch in a state nobody foresaw must not stop the others from being checked
                    if (w.index >= 0) {
                        remove(w);
                    }
                    org.jboss.logging.Logger.getLogger(UpstreamTimeouts.class).errorf(e,
                            "request %s: its timeouts could not be checked; the upstream exchange is reset",
                            w.exchange.requestId());
                    if (w.upstreamRequest != null) {
                        w.upstreamRequest.reset();
                    }
                }
            }
        }

        private void check(Watch w, long now) {
            if (w.sendingFrom != null && w.streamingTo == null) {
                long read = w.sendingFrom.bytesRead();
                // The client has sent all of it: whatever is still to go is waiting on the upstream (and the
                // request may already be ended, when asking it whether its queue is full would throw).
                boolean full = w.sendingFrom.isEnded() || w.upstreamRequest.writeQueueFull();
                if (read != w.lastRead || full != w.upstreamFull) {
                    w.lastRead = read;
                    w.upstreamFull = full;
                    w.since = now;
                } else if (full && now - w.since > w.sendTimeoutNanos) {
                    remove(w);
                    sendTimedOut(w);
                } else if (!full && now - w.since > w.clientBodyTimeoutNanos) {
                    remove(w);
                    clientBodyTimedOut(w);
                }
            } else if (w.streamingTo == null) {
                if (now - w.since > w.headTimeoutNanos) {
                    remove(w);
                    headTimedOut(w);
                }
            } else {
                // The upstream side is watched: a filter that buffers the body (nothing reaches the client yet)
                // does not look idle, and a client that stops reading (write queue full) is back-pressure.
                long bytes = w.received;
                if (bytes != w.lastBytes || w.holding || w.streamingTo.writeQueueFull()) {
                    w.lastBytes = bytes;
                    w.since = now;
                } else if (now - w.since > w.bodyTimeoutNanos) {
                    remove(w);
                    w.spanError = "body_timeout";
                    // The pipe to the client then fails, and the proxy resets the client's side too.
                    w.upstreamRequest.reset();
                }
            }
        }

        /** The upstream stopped reading the request body. */
        private static void sendTimedOut(Watch w) {
            Exchange ex = w.exchange;
            w.spanError = "send_timeout";
            w.report(false);
            ex.failUpstream(io.gatehouse.pipeline.LocalReply.error(504, "upstream_timeout",
                    "upstream '" + ex.route().upstream().name() + "' stopped reading the request body"));
            w.upstreamRequest.reset();
        }

        /** The client stopped sending its body (the upstream could have taken more): the client's doing, not the target's. */
        private static void clientBodyTimedOut(Watch w) {
            Exchange ex = w.exchange;
            w.neutral();
            ex.respondError(408, "request_timeout", "the request body stalled for longer than "
                    + w.clientBodyTimeoutNanos / 1_000_000 + " ms");
            w.upstreamRequest.reset();
        }

        private static void headTimedOut(Watch w) {
            Exchange ex = w.exchange;
            w.spanError = "timeout";
            w.report(false);
            ex.failUpstream(io.gatehouse.pipeline.LocalReply.error(504, "upstream_timeout",
                    "upstream '" + ex.route().upstream().name() + "' did not answer in time"));
            if (w.upstreamRequest != null) {
                w.upstreamRequest.reset();
            }
        }
    }
}
