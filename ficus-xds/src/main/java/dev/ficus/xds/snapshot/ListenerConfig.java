package dev.ficus.xds.snapshot;

import java.util.Objects;

/**
 * One socket the proxy listens on and the route table its HTTP requests are matched against.
 *
 * @param routeTable name of a {@link RouteTable} in the same snapshot (HTTP listeners)
 * @param tcpRoutes  where opaque TCP and TLS-passthrough connections go (TCP and AUTO listeners)
 */
public record ListenerConfig(String name, HostPort bind, ListenerKind kind, ListenerProtocol protocol, String routeTable, TcpRouteTable tcpRoutes) {
    public ListenerConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(routeTable, "routeTable");
        tcpRoutes = tcpRoutes == null ? TcpRouteTable.EMPTY : tcpRoutes;
    }

    /** A listener without TCP routes. */
    public ListenerConfig(String name, HostPort bind, ListenerKind kind, ListenerProtocol protocol, String routeTable) {
        this(name, bind, kind, protocol, routeTable, TcpRouteTable.EMPTY);
    }
}
