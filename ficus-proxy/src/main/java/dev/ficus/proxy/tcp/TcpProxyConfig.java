package dev.ficus.proxy.tcp;

import dev.ficus.proxy.route.RuntimeSnapshot;
import dev.ficus.proxy.route.SnapshotHolder;
import dev.ficus.proxy.telemetry.TrafficStats;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.TcpRouteTable;
import io.netty.channel.Channel;

/** What the TCP proxy of one listener needs; shared by all of the listener's connections. */
public record TcpProxyConfig(String listener, SnapshotHolder snapshots, TrafficStats stats, Class<? extends Channel> channelClass) {

    /** The listener's TCP routes in {@code snap}; empty when the listener left the snapshot. */
    public TcpRouteTable routes(RuntimeSnapshot snap) {
        for (ListenerConfig l : snap.snapshot().listeners()) {
            if (l.name().equals(listener)) return l.tcpRoutes();
        }
        return TcpRouteTable.EMPTY;
    }
}
