package dev.ficus.xds.snapshot;

import java.util.Objects;

/**
 * One socket the proxy listens on and the route table its HTTP requests are matched against.
 *
 * @param routeTable name of a {@link RouteTable} in the same snapshot (HTTP listeners)
 * @param tcpRoutes  where opaque TCP and TLS-passthrough connections go (TCP and AUTO listeners)
 * @param mtls       what an inbound listener accepts (PeerAuthentication); DISABLE elsewhere
 */
public record ListenerConfig(String name, HostPort bind, ListenerKind kind, ListenerProtocol protocol, String routeTable, TcpRouteTable tcpRoutes,
                             MtlsMode mtls) {
    public ListenerConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(routeTable, "routeTable");
        tcpRoutes = tcpRoutes == null ? TcpRouteTable.EMPTY : tcpRoutes;
        mtls = mtls == null ? MtlsMode.DISABLE : mtls;
    }

    /** A listener that does not terminate mesh mTLS. */
    public ListenerConfig(String name, HostPort bind, ListenerKind kind, ListenerProtocol protocol, String routeTable, TcpRouteTable tcpRoutes) {
        this(name, bind, kind, protocol, routeTable, tcpRoutes, MtlsMode.DISABLE);
    }

    public ListenerConfig withMtls(MtlsMode m) { return new ListenerConfig(name, bind, kind, protocol, routeTable, tcpRoutes, m); }

    /** A listener without TCP routes. */
    public ListenerConfig(String name, HostPort bind, ListenerKind kind, ListenerProtocol protocol, String routeTable) {
        this(name, bind, kind, protocol, routeTable, TcpRouteTable.EMPTY, MtlsMode.DISABLE);
    }
}
