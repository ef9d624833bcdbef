package dev.ficus.proxy.router;

import dev.ficus.proxy.cluster.Passthrough;
import dev.ficus.proxy.pool.UpstreamPools;
import dev.ficus.proxy.retry.RetryBudgets;
import dev.ficus.proxy.route.SnapshotHolder;
import dev.ficus.proxy.telemetry.TrafficStats;

/**
 * What the router of one listener needs; shared by all of the listener's connections.
 *
 * @param budgets     the per-cluster retry budgets; pass one instance to every listener to share them
 * @param passthrough where an outbound listener in ALLOW_ANY mode sends requests for hosts outside its routes
 */
public record RouterConfig(String listener, SnapshotHolder snapshots, TrafficStats stats, UpstreamPools pools, RetryBudgets budgets,
                           dev.ficus.proxy.tls.MeshTls inbound, Passthrough passthrough) {
    /** A router with retry budgets and a passthrough cluster of its own. */
    public RouterConfig(String listener, SnapshotHolder snapshots, TrafficStats stats, UpstreamPools pools) {
        this(listener, snapshots, stats, pools, new RetryBudgets(), null, new Passthrough(new TrafficStats(Passthrough.CLUSTER)));
    }

    /** A router sharing the proxy's passthrough cluster. */
    public RouterConfig(String listener, SnapshotHolder snapshots, TrafficStats stats, UpstreamPools pools, Passthrough passthrough) {
        this(listener, snapshots, stats, pools, new RetryBudgets(), null, passthrough);
    }

    /**
     * The router of an inbound listener, which presents {@code identity}'s certificate: requests to
     * the app carry {@code x-forwarded-client-cert} (Istio's SANITIZE_SET).
     */
    public RouterConfig(String listener, SnapshotHolder snapshots, TrafficStats stats, UpstreamPools pools, dev.ficus.proxy.tls.MeshTls identity) {
        this(listener, snapshots, stats, pools, new RetryBudgets(), identity, new Passthrough(new TrafficStats(Passthrough.CLUSTER)));
    }
}
