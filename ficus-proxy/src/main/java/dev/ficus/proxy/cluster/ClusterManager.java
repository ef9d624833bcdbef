package dev.ficus.proxy.cluster;

import dev.ficus.proxy.lb.EndpointRef;
import dev.ficus.proxy.lb.LoadBalancer;
import dev.ficus.proxy.lb.LoadBalancerRegistry;
import dev.ficus.proxy.telemetry.StatsRegistry;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.HealthStatus;
import dev.ficus.xds.snapshot.HostPort;
import dev.ficus.xds.snapshot.LbPolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns each snapshot's clusters into {@link ClusterRuntime}s, keeping load-balancer state and
 * endpoint objects (with their pooled connections) for clusters and endpoints that stay.
 * Called serially, off the event loops, by {@code ProxyServer.update}.
 */
public final class ClusterManager {
    private final LoadBalancerRegistry registry;
    private final StatsRegistry stats;
    private final Map<String, State> states = new HashMap<>();

    private static final class State {
        LbPolicy policy;
        LoadBalancer lb;
        Map<HostPort, EndpointRef> refs = new HashMap<>();
    }

    public ClusterManager(LoadBalancerRegistry registry, StatsRegistry stats) {
        this.registry = registry;
        this.stats = stats;
    }

    public synchronized Map<String, ClusterRuntime> update(Map<String, ClusterConfig> clusters) {
        Map<String, ClusterRuntime> out = new HashMap<>();
        Map<String, State> next = new HashMap<>();
        for (ClusterConfig c : clusters.values()) {
            State old = states.get(c.name());
            State s = new State();
            s.policy = c.lbPolicy();
            s.lb = old != null && old.policy == c.lbPolicy() ? old.lb : registry.provider(c.lbPolicy()).newLoadBalancer();
            var clusterStats = stats.cluster(c.name());
            List<EndpointRef> all = new ArrayList<>();
            List<EndpointRef> healthy = new ArrayList<>();
            for (Endpoint e : c.endpoints()) {
                EndpointRef ref = old == null ? null : old.refs.get(e.address());
                if (ref == null || !ref.endpoint().equals(e)) ref = new EndpointRef(c.name(), e, clusterStats);
                s.refs.put(e.address(), ref);
                all.add(ref);
                if (e.health() == HealthStatus.HEALTHY) healthy.add(ref);
            }
            if (old != null) for (EndpointRef r : old.refs.values()) if (s.refs.get(r.endpoint().address()) != r) r.retire();
            next.put(c.name(), s);
            out.put(c.name(), new ClusterRuntime(c, List.copyOf(all), s.lb.update(List.copyOf(healthy)), clusterStats));
        }
        for (var e : states.entrySet()) if (!next.containsKey(e.getKey())) e.getValue().refs.values().forEach(EndpointRef::retire);
        states.clear();
        states.putAll(next);
        return Map.copyOf(out);
    }
}
