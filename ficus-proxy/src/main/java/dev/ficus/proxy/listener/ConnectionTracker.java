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
        for (Channel ch : channels) ch.pipeline().fireUserEventTriggered(ExchangeEvent.DRAIN);
    }

    public void closeAll() { channels.close(); }

    private final class TrackingHandler extends ChannelInboundHandlerAdapter {
        private final TrafficStats stats;

        TrackingHandler(TrafficStats stats) { this.stats = stats; }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channels.add(ctx.channel());
            stats.connectionOpened();
            ctx.fireChannelActive();
            if (draining) ctx.pipeline().fireUserEventTriggered(ExchangeEvent.DRAIN);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            stats.connectionClosed();
            ctx.fireChannelInactive();
        }
    }
}
