package dev.ficus.proxy.lb;

import dev.ficus.xds.snapshot.LbPolicy;

/** Provides {@link RandomLoadBalancer} for {@code RANDOM}. */
public final class RandomLoadBalancerProvider implements LoadBalancerProvider {
    @Override public LbPolicy policy() { return LbPolicy.RANDOM; }

    @Override public LoadBalancer newLoadBalancer() { return new RandomLoadBalancer(); }
}
