package dev.ficus.proxy.cluster;

import dev.ficus.proxy.lb.EndpointRef;
import dev.ficus.proxy.lb.Picker;
import dev.ficus.proxy.pool.CircuitBreakers;
import dev.ficus.proxy.telemetry.TrafficStats;
import dev.ficus.xds.snapshot.ClusterConfig;
import java.util.List;

/**
 * A cluster of one snapshot as the request path sees it: its config, endpoints, the picker its
 * load balancer publishes (it changes when outlier detection ejects or returns an endpoint), its
 * circuit breakers and its counters. Immutable apart from what those hold; read on event loops.
 * The picker and the breakers belong to the cluster, not to the snapshot: a runtime of an older
 * snapshot picks from the cluster's newest endpoints, never from endpoints that left it.
 */
public record ClusterRuntime(ClusterConfig config, List<EndpointRef> endpoints, Picker picker, TrafficStats stats, CircuitBreakers breakers) {
    public ClusterRuntime(ClusterConfig config, List<EndpointRef> endpoints, Picker picker, TrafficStats stats) {
        this(config, endpoints, picker, stats, new CircuitBreakers(config.limits()));
    }

    public String name() { return config.name(); }

    /**
     * Takes a slot for one retry under the cluster's {@code connectionPool.http.maxRetries}
     * (Envoy's retry circuit breaker, shared by every event loop). A retry is sent only when this
     * returns true; otherwise the exchange ends as it stands (flag URX). Each success must be
     * followed by one {@link #releaseRetry()} once the retried attempt ends. Lock-free, any thread.
     */
    public boolean tryAcquireRetry() { return breakers.tryAcquireRetry(); }

    /** Gives back the slot of {@link #tryAcquireRetry()}. */
    public void releaseRetry() { breakers.releaseRetry(); }
}
