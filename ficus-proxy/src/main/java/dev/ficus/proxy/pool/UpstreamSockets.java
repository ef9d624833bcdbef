package dev.ficus.proxy.pool;

import dev.ficus.xds.snapshot.ConnectionPoolLimits;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import jdk.net.ExtendedSocketOptions;

/**
 * Socket options every upstream connection of a cluster gets, whoever opens it (HTTP/1.1 and
 * HTTP/2 pools, TCP routes, CONNECT tunnels): DestinationRule's {@code tcp.tcpKeepalive} as
 * SO_KEEPALIVE with the per-socket probe settings, as Envoy's {@code upstream_connection_options}.
 */
public final class UpstreamSockets {
    private UpstreamSockets() {}

    /** Adds the cluster's keepalive options to {@code b}; nothing when the cluster sets none. */
    public static Bootstrap keepalive(Bootstrap b, Class<? extends Channel> channelClass, ConnectionPoolLimits limits) {
        ConnectionPoolLimits.TcpKeepalive k = limits.keepalive();
        if (k == null) return b;
        b.option(ChannelOption.SO_KEEPALIVE, true);
        boolean epoll = EpollSocketChannel.class.isAssignableFrom(channelClass);
        if (k.time() != null) {
            int s = seconds(k.time());
            if (epoll) b.option(EpollChannelOption.TCP_KEEPIDLE, s);
            else b.option(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE), s);
        }
        if (k.interval() != null) {
            int s = seconds(k.interval());
            if (epoll) b.option(EpollChannelOption.TCP_KEEPINTVL, s);
            else b.option(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL), s);
        }
        if (k.probes() != null) {
            if (epoll) b.option(EpollChannelOption.TCP_KEEPCNT, k.probes());
            else b.option(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT), k.probes());
        }
        return b;
    }

    private static int seconds(java.time.Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toSeconds()));
    }
}
