package dev.ficus.proxy.lb;

import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.LbPolicy;

/** Creates load balancers for one policy; registered in {@link LoadBalancerRegistry}. */
public interface LoadBalancerProvider {
    LbPolicy policy();

    LoadBalancer newLoadBalancer();

    /** A load balancer for {@code cluster}; policies with settings (hash key, table size) read them here. */
    default LoadBalancer newLoadBalancer(ClusterConfig cluster) { return newLoadBalancer(); }
}
