package io.gatehouse.pipeline;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

import java.util.concurrent.TimeUnit;

/**
 * {@code server.client-header-timeout} on HTTP/1.x connections: from the first byte of a request head to its end, a
 * client has this long; one that trickles its header lines (slowloris) is cut off, and holds a connection no longer.
 * Vert.x has no hook ahead of its HTTP decoder, so this is two small Netty handlers around Netty's decoder: the one in
 * front sees bytes arrive while a head is awaited, the one behind sees the decoded head. No timer per request: one
 * check per connection is scheduled when a head starts and none is pending, and a check that finds the head still
 * incomplete but young reschedules itself.
 *
 * <p>A head cut off gets no answer, the connection is closed: a response to the previous request may still be on
 * its way. Idle keep-alive connections are {@code quarkus.http.idle-timeout}'s business, not this one's.
 *
 * <p><b>Not covered: the first head of a plain-HTTP connection.</b> With h2c on (HTTP/2 with prior knowledge on the
 * traffic port), Vert.x sets up its HTTP/1 handler, and calls the connection handler that installs these, only once
 * that head has been decoded. Vert.x 4.5 offers no public way in before it; a connection that trickles its first
 * head is bounded by the header size limit and the idle timeout only (see the README).
 */
final class HeaderDeadline {
    static final String BEFORE = "gatehouse-header-deadline";
    static final String AFTER = "gatehouse-header-seen";

    private final long timeoutNanos;
    /** When the head now awaited started arriving; 0 while none is arriving. */
    private long headStart;
    private boolean awaitingHead = true;
    private ScheduledFuture<?> check;

    private HeaderDeadline(long timeoutMillis) {
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    /** For the server's connection handler: once per HTTP/1.x connection, before its first byte is read. */
    static void install(HttpConnection connection, long timeoutMillis) {
        if (connection instanceof ConnectionBase base) {
            ChannelPipeline pipeline = base.channelHandlerContext().pipeline();
            if (pipeline.get("httpDecoder") != null && pipeline.get(BEFORE) == null) {
                HeaderDeadline deadline = new HeaderDeadline(timeoutMillis);
                pipeline.addBefore("httpDecoder", BEFORE, deadline.new Bytes());
                // right in front of Vert.x' handler, not right behind the decoder: with h2c on, this runs while the
                // connection's first head is on its way from the h2c handler to Vert.x, and must still see it
                ChannelHandlerContext vertx = base.channelHandlerContext();
                pipeline.addBefore(vertx.name(), AFTER, deadline.new Heads());
            }
        }
    }

    /** In front of the decoder: a byte while a head is awaited starts its clock. */
    private final class Bytes extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (awaitingHead && headStart == 0 && msg instanceof ByteBuf buf && buf.isReadable()) {
                headStart = System.nanoTime();
                if (check == null) {
                    schedule(ctx, timeoutNanos);
                }
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (check != null) {
                check.cancel(false);
                check = null;
            }
            ctx.fireChannelInactive();
        }

        private void schedule(ChannelHandlerContext ctx, long delayNanos) {
            check = ctx.executor().schedule(() -> check(ctx), delayNanos, TimeUnit.NANOSECONDS);
        }

        private void check(ChannelHandlerContext ctx) {
            check = null;
            ChannelPipeline pipeline = ctx.pipeline();
            if (pipeline.get("httpDecoder") == null) {
                // the connection went over to HTTP/2 (h2c upgrade): its streams have limits of their own
                pipeline.remove(this);
                if (pipeline.get(AFTER) != null) {
                    pipeline.remove(AFTER);
                }
                return;
            }
            if (!awaitingHead || headStart == 0) {
                return; // no head arriving: the next first byte schedules a check again
            }
            long age = System.nanoTime() - headStart;
            if (age < timeoutNanos) {
                schedule(ctx, timeoutNanos - age);
                return;
            }
            ctx.close();
        }
    }

    /** Behind the decoder: a decoded head stops the clock; the end of its body starts awaiting the next. */
    private final class Heads extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest) {
                awaitingHead = false;
                headStart = 0;
            }
            if (msg instanceof LastHttpContent) {
                awaitingHead = true;
            }
            ctx.fireChannelRead(msg);
        }
    }
}
