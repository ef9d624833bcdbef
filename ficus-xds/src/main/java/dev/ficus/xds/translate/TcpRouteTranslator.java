package dev.ficus.xds.translate;

import dev.ficus.api.Resource;
import dev.ficus.api.networking.Gateway;
import dev.ficus.api.networking.Hosts;
import dev.ficus.api.networking.L4MatchAttributes;
import dev.ficus.api.networking.RouteDestination;
import dev.ficus.api.networking.TCPRoute;
import dev.ficus.api.networking.TLSMatchAttributes;
import dev.ficus.api.networking.TLSRoute;
import dev.ficus.api.networking.VirtualService;
import dev.ficus.xds.snapshot.HeaderMatch;
import dev.ficus.xds.snapshot.HeaderMutations;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.RoutePolicies;
import dev.ficus.xds.snapshot.StringMatch;
import dev.ficus.xds.snapshot.TcpRoute;
import dev.ficus.xds.snapshot.TcpRouteTable;
import dev.ficus.xds.snapshot.WeightedCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Translates VirtualServices' {@code tls[]} (SNI passthrough) and {@code tcp[]} routes into the
 * {@link TcpRouteTable} of one TCP listener port, as Istio builds an Envoy filter chain per port:
 * TLS routes first (by {@code sniHosts}), then TCP routes (by {@code match.port}); and a
 * service's {@code tls[]} and {@code tcp[]} routes into the CONNECT routes of its HTTP virtual hosts. Called by
 * {@link Translator}, which owns cluster creation and notes.
 */
final class TcpRouteTranslator {
    /** Creates (or finds) the cluster of a destination; Translator's {@code cluster(...)}. */
    interface Clusters { String cluster(String host, int port, String subset, Resource<?> from, String path); }

    private final List<Resource<VirtualService>> virtualServices;
    private final Clusters clusters;
    /** Where a CONNECT route forwards: {@link #clusters}, or the passthrough to the tunnel's authority (Translator's {@code httpDestination}). */
    private final Clusters tunnelDestinations;

    /** The only port of a service (null: none, or several); Translator's {@code onlyPort}. */
    private final java.util.function.Function<String, Integer> onlyPort;

    TcpRouteTranslator(List<Resource<VirtualService>> virtualServices, Clusters clusters, Clusters tunnelDestinations,
                       java.util.function.Function<String, Integer> onlyPort) {
        this.virtualServices = virtualServices;
        this.clusters = clusters;
        this.tunnelDestinations = tunnelDestinations;
        this.onlyPort = onlyPort;
    }

    /** The routes for {@code port}: of VirtualServices bound to {@code gateway}, or to {@code mesh} when it is null. */
    TcpRouteTable table(int port, Resource<Gateway> gateway) {
        List<TcpRoute> tls = new ArrayList<>();
        List<TcpRoute> tcp = new ArrayList<>();
        for (Resource<VirtualService> vs : virtualServices) {
            if (!bound(vs.spec().effectiveGateways(), vs.namespace(), gateway)) continue;
            for (int i = 0; i < vs.spec().tls().size(); i++) {
                TLSRoute r = vs.spec().tls().get(i);
                String path = "spec.tls[" + i + "]";
                RouteAction.Forward action = null;
                for (TLSMatchAttributes m : r.match()) {
                    if (m.port() != null && m.port() != port) continue;
                    if (!m.gateways().isEmpty() && !bound(m.gateways(), vs.namespace(), gateway)) continue;
                    if (action == null) action = action(vs, path, r.route(), port, clusters); // for a port the route serves only
                    if (action == null) break;
                    tls.add(new TcpRoute(vs.name() + "." + path, m.sniHosts(), action));
                }
            }
            tcpRoutes(vs, port, gateway, tcp, clusters);
        }
        tls.addAll(tcp);
        return new TcpRouteTable(tls);
    }

    /** Adds the {@code tcp[]} routes of {@code vs} that apply to {@code port} (bound to {@code gateway}, or to {@code mesh} when null) to {@code out}, in order. */
    private void tcpRoutes(Resource<VirtualService> vs, int port, Resource<Gateway> gateway, List<TcpRoute> out, Clusters destinations) {
        for (int i = 0; i < vs.spec().tcp().size(); i++) {
            TCPRoute r = vs.spec().tcp().get(i);
            String path = "spec.tcp[" + i + "]";
            boolean applies = r.match().isEmpty();
            for (L4MatchAttributes m : r.match()) {
                boolean portOk = m.port() == null || m.port() == port;
                boolean gatewayOk = m.gateways().isEmpty() || bound(m.gateways(), vs.namespace(), gateway);
                if (portOk && gatewayOk) applies = true;
            }
            if (!applies) continue; // its destinations are not looked at (nor noted) for a port it does not serve
            RouteAction.Forward action = action(vs, path, r.route(), port, destinations);
            if (action != null) out.add(new TcpRoute(vs.name() + "." + path, List.of(), action));
        }
    }

    /**
     * The routes of an HTTP virtual host ({@code vs}'s host on {@code port}) for a {@code CONNECT
     * host:port} tunnel, routed as a connection to that port would be: first {@code vs}'s mesh
     * {@code tls[]} routes that apply to the port, matched by the tunnel's host (the server name an
     * {@code HTTPS_PROXY} client sends inside it), then its {@code tcp[]} routes. Each matches the
     * CONNECT method only: plain HTTP requests never take them.
     */
    List<Route> connectRoutes(Resource<VirtualService> vs, int port) {
        if ((vs.spec().tcp().isEmpty() && vs.spec().tls().isEmpty()) || !bound(vs.spec().effectiveGateways(), vs.namespace(), null)) return List.of();
        List<Route> out = new ArrayList<>();
        for (int i = 0; i < vs.spec().tls().size(); i++) {
            TLSRoute r = vs.spec().tls().get(i);
            String path = "spec.tls[" + i + "]";
            List<TLSMatchAttributes> applying = new ArrayList<>();
            for (TLSMatchAttributes m : r.match()) {
                if ((m.port() == null || m.port() == port) && (m.gateways().isEmpty() || bound(m.gateways(), vs.namespace(), null))) applying.add(m);
            }
            if (applying.isEmpty()) continue;
            RouteAction.Forward action = action(vs, path, r.route(), port, tunnelDestinations);
            if (action == null) continue;
            for (TLSMatchAttributes m : applying) {
                out.add(new Route(vs.name() + "." + path, connectTo(m.sniHosts()), action, Duration.ZERO, HeaderMutations.NONE, HeaderMutations.NONE, RoutePolicies.NONE));
            }
        }
        List<TcpRoute> tcp = new ArrayList<>();
        tcpRoutes(vs, port, null, tcp, tunnelDestinations);
        for (TcpRoute t : tcp) out.add(new Route(t.name(), CONNECT, t.action(), Duration.ZERO, HeaderMutations.NONE, HeaderMutations.NONE, RoutePolicies.NONE));
        return out;
    }

    /** The match of a CONNECT route: the method alone (a CONNECT's path is "/" to the router). */
    private static final RouteMatch CONNECT = new RouteMatch(null, List.of(), "CONNECT");

    /**
     * A CONNECT whose authority's host is one of {@code sniHosts} (names, {@code *.suffix} for any
     * name below suffix, {@code *} for any), in any case, with or without its port: the router sets
     * a CONNECT's {@code Host} to its authority.
     */
    static RouteMatch connectTo(List<String> sniHosts) {
        if (sniHosts.isEmpty() || sniHosts.contains("*")) return CONNECT;
        StringBuilder re = new StringBuilder("(?i)(?:");
        for (int i = 0; i < sniHosts.size(); i++) {
            String h = sniHosts.get(i);
            if (i > 0) re.append('|');
            if (h.startsWith("*.")) {
                re.append("[^:]+");
                h = h.substring(1);
            }
            for (int c = 0; c < h.length(); c++) {
                char ch = h.charAt(c);
                if ("\\.+*?()|[]{}^$".indexOf(ch) >= 0) re.append('\\');
                re.append(ch);
            }
        }
        re.append(")(?::[0-9]+)?");
        return CONNECT.withHeaders(new HeaderMatch("host", new StringMatch.Regex(re.toString())));
    }

    private RouteAction.Forward action(Resource<VirtualService> vs, String path, List<RouteDestination> route, int port, Clusters clusters) {
        List<WeightedCluster> targets = new ArrayList<>();
        for (int d = 0; d < route.size(); d++) {
            RouteDestination rd = route.get(d);
            String host = Hosts.fqdn(rd.destination().host(), vs.namespace());
            Integer destPort = rd.destination().port() != null ? rd.destination().port().number() : null;
            if (destPort == null) destPort = onlyPort.apply(host); // as Istio: a service's only port, else the listener's
            String cluster = clusters.cluster(host, destPort == null ? port : destPort, rd.destination().subset(), vs, path + ".route[" + d + "].destination");
            int weight = route.size() == 1 && rd.weight() == null ? 100 : rd.weightOrZero();
            targets.add(new WeightedCluster(cluster, weight));
        }
        if (targets.isEmpty() || targets.stream().allMatch(t -> t.weight() == 0)) return null;
        return new RouteAction.Forward(targets);
    }

    private static boolean bound(List<String> gateways, String vsNamespace, Resource<Gateway> gateway) {
        if (gateway == null) return gateways.contains(VirtualService.MESH);
        for (String ref : gateways) {
            int slash = ref.indexOf('/');
            String ns = slash > 0 ? ref.substring(0, slash) : vsNamespace;
            String name = slash > 0 ? ref.substring(slash + 1) : ref;
            if (ns.equals(gateway.namespace()) && name.equals(gateway.name())) return true;
        }
        return false;
    }
}
