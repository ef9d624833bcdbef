package dev.ficus.proxy.lb;

import dev.ficus.xds.snapshot.LbPolicy;

/** Provides {@link LeastRequestLoadBalancer} for {@code LEAST_REQUEST}. */
public final class LeastRequestLoadBalancerProvider implements LoadBalancerProvider {
    @Override public LbPolicy policy() { return LbPolicy.LEAST_REQUEST; }

    @Override public LoadBalancer newLoadBalancer() { return new LeastRequestLoadBalancer(); }
}
