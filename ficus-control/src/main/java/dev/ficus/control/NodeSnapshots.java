package dev.ficus.control;

import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.sync.Hashes;
import dev.ficus.xds.translate.Translation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One snapshot for a proxy that serves several workloads (node mode): the listeners, route
 * tables and clusters of each workload's translation, side by side. Clusters are named by
 * service, port and subset, so two workloads that reach the same service share one. Two
 * workloads that claim the same listener with different content cannot share a node: that is
 * refused with both names, rather than one silently winning.
 */
final class NodeSnapshots {
    private NodeSnapshots() {
    }

    static ProxySnapshot merge(List<Translation> translations) {
        Map<String, ListenerConfig> listeners = new LinkedHashMap<>();
        Map<String, RouteTable> tables = new LinkedHashMap<>();
        Map<String, ClusterConfig> clusters = new LinkedHashMap<>();
        List<String> conflicts = new ArrayList<>();
        StringBuilder versions = new StringBuilder();
        for (Translation t : translations) {
            ProxySnapshot s = t.snapshot();
            versions.append(s.version()).append(',');
            for (ListenerConfig l : s.listeners()) put(listeners, l.name(), l, "listener", conflicts);
            for (RouteTable r : s.routeTables().values()) put(tables, r.name(), r, "route table", conflicts);
            for (ClusterConfig c : s.clusters().values()) put(clusters, c.name(), c, "cluster", conflicts);
        }
        if (!conflicts.isEmpty()) {
            throw new IllegalArgumentException("the workloads of this node cannot share one proxy: " + String.join("; ", conflicts)
                    + " (give them different Sidecar ingress ports, or run one proxy per workload)");
        }
        return new ProxySnapshot(Hashes.of(versions.toString()), List.copyOf(listeners.values()), tables, clusters);
    }

    private static <T> void put(Map<String, T> into, String name, T value, String what, List<String> conflicts) {
        T prior = into.putIfAbsent(name, value);
        if (prior != null && !prior.equals(value)) conflicts.add("two different " + what + "s named " + name);
    }
}
