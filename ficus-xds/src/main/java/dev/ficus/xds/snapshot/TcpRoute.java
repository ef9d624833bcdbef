package dev.ficus.xds.snapshot;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One rule of a TCP listener (a VirtualService {@code tcp[]} or {@code tls[]} route): connections
 * whose TLS server name matches {@code sniHosts} (any connection when empty) are spliced to one of
 * the weighted clusters. Host patterns are exact names or {@code *.suffix}; stored lower-case.
 */
public record TcpRoute(String name, List<String> sniHosts, RouteAction.Forward action) {
    public TcpRoute {
        Objects.requireNonNull(name, "name");
        sniHosts = Objects.requireNonNull(sniHosts, "sniHosts").stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
        Objects.requireNonNull(action, "action");
        for (String h : sniHosts) {
            if (h.isEmpty() || (h.indexOf('*') >= 0 && !(h.equals("*") || (h.startsWith("*.") && h.indexOf('*', 1) < 0)))) {
                throw new IllegalArgumentException("tcp route " + name + ": an SNI host is a name, *.suffix or *: " + h);
            }
        }
    }

    /** True when this route serves a connection with server name {@code sni} (null: no TLS or no SNI). */
    public boolean matches(String sni) {
        if (sniHosts.isEmpty()) return true;
        if (sni == null) return false;
        for (int i = 0, n = sniHosts.size(); i < n; i++) {
            String h = sniHosts.get(i);
            if (h.equals("*") || h.equals(sni) || (h.startsWith("*.") && sni.length() > h.length() - 1 && sni.endsWith(h.substring(1)))) return true;
        }
        return false;
    }
}
