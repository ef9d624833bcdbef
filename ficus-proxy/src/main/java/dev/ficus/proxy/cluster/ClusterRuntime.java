package dev.ficus.proxy.cluster;

import dev.ficus.proxy.lb.EndpointRef;
import dev.ficus.proxy.lb.Picker;
import dev.ficus.proxy.telemetry.TrafficStats;
import dev.ficus.xds.snapshot.ClusterConfig;
import java.util.List;

/**
 * A cluster of one snapshot as the request path sees it: its config, endpoints, the picker its
 * load balancer published for this snapshot, and its counters. Immutable; read on event loops.
 */
public record ClusterRuntime(ClusterConfig config, List<EndpointRef> endpoints, Picker picker, TrafficStats stats) {
    public String name() { return config.name(); }
}
