package dev.ficus.proxy.tcp;

import dev.ficus.proxy.route.RuntimeSnapshot;
import dev.ficus.proxy.route.SnapshotHolder;
import dev.ficus.proxy.telemetry.TrafficStats;
import dev.ficus.proxy.tls.MeshTls;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.TcpRouteTable;
import io.netty.channel.Channel;

/**
 * What the TCP proxy of one listener needs; shared by all of the listener's connections.
 *
 * @param tls the proxy's mesh certificate and origination contexts, for upstream TLS (mesh mTLS,
 *            DestinationRule SIMPLE/MUTUAL) and the local principal in telemetry; null: none (auto
 *            mTLS speaks plaintext, ISTIO_MUTUAL and origination fail the connection)
 */
public record TcpProxyConfig(String listener, SnapshotHolder snapshots, TrafficStats stats, Class<? extends Channel> channelClass, MeshTls tls) {

    /** The listener's TCP routes in {@code snap}; empty when the listener left the snapshot. */
    public TcpRouteTable routes(RuntimeSnapshot snap) {
        for (ListenerConfig l : snap.snapshot().listeners()) {
            if (l.name().equals(listener)) return l.tcpRoutes();
        }
        return TcpRouteTable.EMPTY;
    }
}
