package io.gatehouse.pipeline;

import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.SocketAddress;
import org.jboss.logging.Logger;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code server.max-connections-per-ip}: open connections per peer address (the PROXY protocol's client when that
 * is on). A connection over the limit is closed when the gateway first sees it, and nothing on it is served: with
 * HTTP/2 over cleartext possible, Vert.x shows the gateway an HTTP/1 connection only once its first request head is
 * read (that request is dropped unanswered), an HTTP/2 one at its first SETTINGS. Counted only while a limit is set:
 * a limit set by a reload applies to the connections opened after it. Work per connection, none per request; the
 * map holds only addresses with connections open.
 */
@jakarta.inject.Singleton
public class ConnectionLimits {
    private static final Logger LOG = Logger.getLogger(ConnectionLimits.class);

    private final ConcurrentHashMap<String, AtomicInteger> open = new ConcurrentHashMap<>();
    private final LongAdder refused = new LongAdder();
    private volatile long lastLog;

    /** Counts {@code connection} against {@code limit} (0: none); false when it was closed for being over. */
    boolean admit(HttpConnection connection, int limit) {
        if (limit <= 0) {
            return true;
        }
        SocketAddress peer = connection.remoteAddress();
        String address = peer == null ? null : peer.hostAddress();
        if (address == null) {
            return true; // a unix socket: nothing to count by
        }
        boolean[] over = new boolean[1];
        // decided inside compute: two connections racing on two event loops cannot both take the last place
        open.compute(address, (k, c) -> {
            AtomicInteger n = c == null ? new AtomicInteger() : c;
            if (n.get() >= limit) {
                over[0] = true;
            } else {
                n.incrementAndGet();
            }
            return n.get() == 0 ? null : n;
        });
        if (over[0]) {
            refused.increment();
            ClosingConnections.markRefused(connection);
            long now = System.nanoTime();
            if (now - lastLog > 60_000_000_000L) {
                lastLog = now;
                LOG.warnf("%s is over server.max-connections-per-ip (%d): its new connections are closed; logged once a minute",
                        address, limit);
            }
            connection.close();
            return false;
        }
        connection.closeHandler(v -> release(address));
        return true;
    }

    private void release(String address) {
        open.computeIfPresent(address, (k, c) -> c.decrementAndGet() <= 0 ? null : c);
    }

    /** Connections closed for being over the limit, since start ({@code gatehouse_connections_refused_total}). */
    public long refused() {
        return refused.sum();
    }
}
