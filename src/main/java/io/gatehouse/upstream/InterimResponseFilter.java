package io.gatehouse.upstream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * Sits between Netty's HttpClientCodec ("codec") and Vert.x's "handler" on every HTTP/1.x upstream
 * connection. Vert.x 4.5 understands only 100 and 103 as interim; any other 1xx it takes for the final
 * response, leaving the real one to answer the next request on the pooled connection. This handler drops
 * such a 1xx (and the empty LastHttpContent the codec emits after it), and fails + closes the connection
 * on a 101, which the gateway never asks for (it strips Upgrade/Connection). A HEAD answered with an interim
 * response keeps its pairing: Netty 4.1.133's codec checks for 1xx before it takes the request's method off its
 * queue (checked on the jar: HEAD, 102, 200 with a Content-Length and no body, then a GET decode correctly).
 * One instance per channel (stateful, not @Sharable); runs on the channel's event loop only.
 */
public final class InterimResponseFilter extends ChannelInboundHandlerAdapter {
    public static final String NAME = "gatehouse-interim-filter";

    /**
     * The client's connect handler: runs once per new pooled connection, on its event loop, before the pool
     * hands the connection to its first request. ConnectionBase is Vert.x-internal (stable through 4.5.x).
     */
    public static void install(io.vertx.core.http.HttpConnection conn) {
        if (!(conn instanceof io.vertx.core.net.impl.ConnectionBase)) {
            return;
        }
        ChannelHandlerContext vertx = ((io.vertx.core.net.impl.ConnectionBase) conn).channelHandlerContext();
        ChannelPipeline pipeline = vertx.pipeline();
        // HTTP/1.x only (an h2 connection has no "codec"); vertx.name() is "handler"
        if (pipeline.get("codec") instanceof HttpClientCodec && pipeline.get(NAME) == null) {
            pipeline.addBefore(vertx.name(), NAME, new InterimResponseFilter());
        }
    }

    /** Dropping the parts of a swallowed 1xx until its LastHttpContent. */
    private boolean dropping;
    /** A 101 arrived: the connection is being closed, nothing more goes up. */
    private boolean dead;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (dead) {
            ReferenceCountUtil.release(msg); // e.g. the raw ByteBufs the codec passes on in its UPGRADED state
            return;
        }
        if (dropping) {
            if (msg instanceof HttpContent) {
                dropping = !(msg instanceof LastHttpContent);
                ReferenceCountUtil.release(msg);
                return;
            }
            dropping = false; // not expected from the codec; let Vert.x judge it
        }
        if (msg instanceof HttpResponse) {
            HttpResponse res = (HttpResponse) msg;
            int code = res.status().code();
            // A message the codec failed to decode goes up as is: Vert.x fails the request on it.
            if (code >= 100 && code < 200 && code != 100 && code != 103 && !res.decoderResult().isFailure()) {
                boolean complete = msg instanceof LastHttpContent; // a FullHttpResponse: nothing follows
                ReferenceCountUtil.release(msg);
                if (code == 101) {
                    dead = true;
                    // Vert.x's handler fails every stream of the connection with it, then closes the channel.
                    ctx.fireExceptionCaught(new UnexpectedUpgradeException());
                    ctx.close();
                } else {
                    dropping = !complete;
                }
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    /** The upstream switched protocols though the request asked for no upgrade. */
    public static final class UnexpectedUpgradeException extends io.netty.handler.codec.DecoderException {
        private static final long serialVersionUID = 1L;

        UnexpectedUpgradeException() {
            super("upstream answered 101 Switching Protocols to a request that asked for no upgrade");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
