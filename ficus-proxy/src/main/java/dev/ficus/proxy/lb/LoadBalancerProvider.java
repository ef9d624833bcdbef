package dev.ficus.proxy.lb;

import dev.ficus.xds.snapshot.LbPolicy;

/** Creates load balancers for one policy; registered in {@link LoadBalancerRegistry}. */
public interface LoadBalancerProvider {
    LbPolicy policy();

    LoadBalancer newLoadBalancer();
}
