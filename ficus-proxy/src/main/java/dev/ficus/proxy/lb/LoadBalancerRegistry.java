package dev.ficus.proxy.lb;

import dev.ficus.xds.snapshot.LbPolicy;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The load-balancer providers the proxy knows, by policy. */
public final class LoadBalancerRegistry {
    private final Map<LbPolicy, LoadBalancerProvider> providers = new EnumMap<>(LbPolicy.class);

    public LoadBalancerRegistry(List<LoadBalancerProvider> all) {
        for (LoadBalancerProvider p : all) providers.put(p.policy(), p);
    }

    public static LoadBalancerRegistry defaults() {
        return new LoadBalancerRegistry(List.of(new RoundRobinLoadBalancerProvider(), new LeastRequestLoadBalancerProvider(), new RandomLoadBalancerProvider(),
                new ConsistentHashLoadBalancerProvider(LbPolicy.RING_HASH), new ConsistentHashLoadBalancerProvider(LbPolicy.MAGLEV)));
    }

    public LoadBalancerProvider provider(LbPolicy policy) {
        LoadBalancerProvider p = providers.get(policy);
        if (p == null) throw new IllegalArgumentException("no load balancer for policy " + policy);
        return p;
    }
}
