package dev.ficus.xds.snapshot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything one proxy serves with, at one version. Built and checked off the event loop (by the
 * translator from Istio resources, or by hand in tests); a proxy swaps it in with one reference
 * write and a request keeps the snapshot it started with. Cross references (listener → route
 * table, route → cluster) are checked here so that the request path never meets a dangling name.
 */
public record ProxySnapshot(String version, List<ListenerConfig> listeners, Map<String, RouteTable> routeTables, Map<String, ClusterConfig> clusters) {
    public ProxySnapshot {
        Objects.requireNonNull(version, "version");
        listeners = List.copyOf(Objects.requireNonNull(listeners, "listeners"));
        routeTables = Map.copyOf(Objects.requireNonNull(routeTables, "routeTables"));
        clusters = Map.copyOf(Objects.requireNonNull(clusters, "clusters"));
        List<String> problems = new ArrayList<>();
        for (var e : routeTables.entrySet()) if (!e.getKey().equals(e.getValue().name())) problems.add("route table key " + e.getKey() + " names table " + e.getValue().name());
        for (var e : clusters.entrySet()) if (!e.getKey().equals(e.getValue().name())) problems.add("cluster key " + e.getKey() + " names cluster " + e.getValue().name());
        for (ListenerConfig l : listeners) {
            if (l.protocol() != ListenerProtocol.TCP && !routeTables.containsKey(l.routeTable())) problems.add("listener " + l.name() + " uses unknown route table " + l.routeTable());
            for (ServerTls t : l.tls()) if (!routeTables.containsKey(t.routeTable())) problems.add("listener " + l.name() + " has a TLS server with unknown route table " + t.routeTable());
        }
        for (RouteTable t : routeTables.values()) {
            for (VirtualHost vh : t.virtualHosts()) {
                for (Route r : vh.routes()) {
                    if (r.action() instanceof RouteAction.Forward f) {
                        for (WeightedCluster wc : f.clusters()) {
                            if (!clusters.containsKey(wc.cluster()) && !wc.cluster().equals(ClusterConfig.PASSTHROUGH)) problems.add("route " + t.name() + "/" + vh.name() + "/" + r.name() + " uses unknown cluster " + wc.cluster());
                        }
                    }
                    RouteParallelRun pr = r.policies().parallelRun();
                    if (pr != null) {
                        for (String c : java.util.Arrays.asList(pr.stableCluster(), pr.candidateCluster(), pr.secondaryCluster())) {
                            if (c != null && !clusters.containsKey(c)) problems.add("route " + t.name() + "/" + vh.name() + "/" + r.name() + " compares with unknown cluster " + c);
                        }
                    }
                }
            }
        }
        if (!problems.isEmpty()) throw new IllegalArgumentException("invalid snapshot " + version + ": " + String.join("; ", problems));
    }

    public static Builder builder(String version) { return new Builder(version); }

    /** Collects the parts of a snapshot; {@link #build()} checks them all at once. */
    public static final class Builder {
        private final String version;
        private final List<ListenerConfig> listeners = new ArrayList<>();
        private final Map<String, RouteTable> routeTables = new LinkedHashMap<>();
        private final Map<String, ClusterConfig> clusters = new LinkedHashMap<>();

        private Builder(String version) { this.version = version; }

        public Builder listener(ListenerConfig l) { listeners.add(l); return this; }

        public Builder routeTable(RouteTable t) { routeTables.put(t.name(), t); return this; }

        public Builder cluster(ClusterConfig c) { clusters.put(c.name(), c); return this; }

        public ProxySnapshot build() { return new ProxySnapshot(version, listeners, routeTables, clusters); }
    }
}
