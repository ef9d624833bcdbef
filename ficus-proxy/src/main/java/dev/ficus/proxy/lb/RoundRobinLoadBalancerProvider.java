package dev.ficus.proxy.lb;

import dev.ficus.xds.snapshot.LbPolicy;

/** Provides {@link RoundRobinLoadBalancer} for {@code ROUND_ROBIN}. */
public final class RoundRobinLoadBalancerProvider implements LoadBalancerProvider {
    @Override public LbPolicy policy() { return LbPolicy.ROUND_ROBIN; }

    @Override public LoadBalancer newLoadBalancer() { return new RoundRobinLoadBalancer(); }
}
