package dev.ficus.proxy.lb;

import java.util.List;

/**
 * The mutable half of a load-balancing policy (grpc-java's state + picker split): it is updated
 * serially, off the event loop, whenever the cluster's endpoints change, and answers with an
 * immutable {@link Picker} that the request path uses without locks.
 */
public interface LoadBalancer {
    /** Takes the new endpoints (already filtered to healthy ones) and returns the picker to publish. */
    Picker update(List<EndpointRef> healthy);
}
