package dev.ficus.proxy.router;

import dev.ficus.proxy.pool.UpstreamPools;
import dev.ficus.proxy.retry.RetryBudgets;
import dev.ficus.proxy.route.SnapshotHolder;
import dev.ficus.proxy.telemetry.TrafficStats;

/**
 * What the router of one listener needs; shared by all of the listener's connections.
 *
 * @param budgets the per-cluster retry budgets; pass one instance to every listener to share them
 */
public record RouterConfig(String listener, SnapshotHolder snapshots, TrafficStats stats, UpstreamPools pools, RetryBudgets budgets,
                           dev.ficus.proxy.tls.MeshTls inbound) {
    /** A router with retry budgets of its own (per listener and cluster). */
    public RouterConfig(String listener, SnapshotHolder snapshots, TrafficStats stats, UpstreamPools pools) {
        this(listener, snapshots, stats, pools, new RetryBudgets(), null);
    }

    /**
     * The router of an inbound listener, which presents {@code identity}'s certificate: requests to
     * the app carry {@code x-forwarded-client-cert} (Istio's SANITIZE_SET).
     */
    public RouterConfig(String listener, SnapshotHolder snapshots, TrafficStats stats, UpstreamPools pools, dev.ficus.proxy.tls.MeshTls identity) {
        this(listener, snapshots, stats, pools, new RetryBudgets(), identity);
    }
}
