package dev.ficus.proxy.lb;

import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.LbPolicy;

/** Provides {@link RingHashLoadBalancer} for {@code RING_HASH} or {@link MaglevLoadBalancer} for {@code MAGLEV}. */
public final class ConsistentHashLoadBalancerProvider implements LoadBalancerProvider {
    private final LbPolicy policy;

    public ConsistentHashLoadBalancerProvider(LbPolicy policy) {
        if (!policy.consistentHash()) throw new IllegalArgumentException(policy + " is not a consistent hash");
        this.policy = policy;
    }

    @Override public LbPolicy policy() { return policy; }

    @Override public LoadBalancer newLoadBalancer() { throw new IllegalStateException(policy + " needs the cluster's hash config"); }

    @Override
    public LoadBalancer newLoadBalancer(ClusterConfig cluster) {
        return policy == LbPolicy.RING_HASH ? new RingHashLoadBalancer(cluster.hash()) : new MaglevLoadBalancer(cluster.hash());
    }
}
