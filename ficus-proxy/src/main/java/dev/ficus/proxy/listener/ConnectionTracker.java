package dev.ficus.proxy.listener;

import dev.ficus.proxy.http.ExchangeEvent;
import dev.ficus.proxy.telemetry.TrafficStats;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;

/**
 * Knows every open downstream connection of the proxy, so that a drain can tell each one to
 * finish its exchange and close. Touched once per connection open and close, never per request.
 *
 * <p>The drain is told twice ({@link ExchangeEvent#drain}): as a {@link ExchangeEvent#DRAIN}
 * event, for the handlers a connection has then, and as a mark on the connection for the handlers
 * it gets later — a connection still detecting its protocol or in its TLS handshake has no router
 * yet, and one built after the event went by would otherwise keep its connection alive.
 */
public final class ConnectionTracker {
    private final ChannelGroup channels = new DefaultChannelGroup("ficus-downstream", GlobalEventExecutor.INSTANCE);
    private volatile boolean draining;

    /** A handler that registers its channel and counts it on the listener's stats. */
    public ChannelHandler handler(TrafficStats stats) {
        return new TrackingHandler(stats);
    }

    public int open() { return channels.size(); }

    public boolean draining() { return draining; }

    /** Tells every open connection to close after its current exchange (idle ones close now). */
    public void drain() {
        draining = true;
        for (Channel ch : channels) ExchangeEvent.drain(ch);
    }

    /**
     * Closes every open connection now, an HTTP/2 one too (after its GOAWAY, without waiting for
     * its open streams as a drain's graceful close does); the future completes when all are closed.
     */
    public io.netty.channel.group.ChannelGroupFuture closeAll() {
        for (Channel ch : channels) {
            if (ch.pipeline().get("h2-codec") instanceof io.netty.handler.codec.http2.Http2ConnectionHandler h2) h2.gracefulShutdownTimeoutMillis(0);
        }
        return channels.close();
    }

    private final class TrackingHandler extends ChannelInboundHandlerAdapter {
        private final TrafficStats stats;

        TrackingHandler(TrafficStats stats) { this.stats = stats; }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channels.add(ctx.channel());
            stats.connectionOpened();
            ctx.fireChannelActive();
            if (draining) ExchangeEvent.drain(ctx.channel());
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            stats.connectionClosed();
            ctx.fireChannelInactive();
        }
    }
}
