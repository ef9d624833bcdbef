package dev.ficus.xds.snapshot;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The routes of a listener's opaque TCP and TLS-passthrough traffic, in order: the first route
 * that matches a connection's SNI serves it. Routes with SNI hosts only see TLS connections.
 */
public record TcpRouteTable(List<TcpRoute> routes) {
    public static final TcpRouteTable EMPTY = new TcpRouteTable(List.of());

    public TcpRouteTable {
        routes = List.copyOf(Objects.requireNonNull(routes, "routes"));
    }

    /** The route for a connection with server name {@code sni} (null when none was sent), or null. */
    public TcpRoute select(String sni) {
        String s = sni == null ? null : sni.toLowerCase(Locale.ROOT);
        for (int i = 0, n = routes.size(); i < n; i++) {
            TcpRoute r = routes.get(i);
            if (r.matches(s)) return r;
        }
        return null;
    }

    /** The first route with SNI hosts that match {@code sni}, or null: what a TLS connection may be passed through to. */
    public TcpRoute selectTls(String sni) {
        if (sni == null || sni.isEmpty()) return null;
        String s = sni.toLowerCase(Locale.ROOT);
        for (int i = 0, n = routes.size(); i < n; i++) {
            TcpRoute r = routes.get(i);
            if (!r.sniHosts().isEmpty() && r.matches(s)) return r;
        }
        return null;
    }

    /** True when some route routes by SNI: TLS connections can be passed through. */
    public boolean hasTlsRoutes() {
        for (TcpRoute r : routes) if (!r.sniHosts().isEmpty()) return true;
        return false;
    }

    public boolean isEmpty() { return routes.isEmpty(); }
}
