package io.gatehouse.proxy;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * Bounds pauses in a response body: Vert.x's request timeout stops at the response head, so an upstream that
 * sends its head and then stalls (or trickles) would hold the client, the pooled connection and the in-flight
 * counts forever. Every {@code timeout} the watchdog checks that bytes moved; if none did and the client is
 * not the one holding things up (its write queue is not full), the upstream exchange is reset.
 */
final class BodyWatchdog {
    private final Vertx vertx;
    private final HttpServerResponse response;
    private final HttpClientRequest upstreamRequest;
    private final long timeoutMillis;
    private long lastBytes = -1;
    private long timerId;

    BodyWatchdog(Vertx vertx, HttpServerResponse response, HttpClientRequest upstreamRequest, long timeoutMillis) {
        this.vertx = vertx;
        this.response = response;
        this.upstreamRequest = upstreamRequest;
        this.timeoutMillis = timeoutMillis;
        this.timerId = vertx.setTimer(timeoutMillis, this::check);
    }

    private void check(long id) {
        long bytes = response.bytesWritten();
        if (bytes == lastBytes && !response.writeQueueFull()) {
            upstreamRequest.reset();
            return;
        }
        lastBytes = bytes;
        timerId = vertx.setTimer(timeoutMillis, this::check);
    }

    void cancel() {
        vertx.cancelTimer(timerId);
    }
}
