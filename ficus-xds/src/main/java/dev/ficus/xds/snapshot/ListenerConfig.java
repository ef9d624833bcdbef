package dev.ficus.xds.snapshot;

import java.util.Objects;

/**
 * One socket the proxy listens on and the route table its HTTP requests are matched against.
 *
 * @param routeTable name of a {@link RouteTable} in the same snapshot (HTTP listeners)
 */
public record ListenerConfig(String name, HostPort bind, ListenerKind kind, ListenerProtocol protocol, String routeTable) {
    public ListenerConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(routeTable, "routeTable");
    }
}
