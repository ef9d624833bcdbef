package dev.ficus.proxy.lb;

import dev.ficus.proxy.telemetry.TrafficStats;
import dev.ficus.xds.snapshot.Endpoint;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An endpoint as the data plane uses it: its socket address, resolved once off the event loop,
 * and its count of in-flight requests (read by least-request pickers). The same object is kept
 * across snapshot swaps while the endpoint stays, so counters and pooled connections survive.
 */
public final class EndpointRef {
    private final String cluster;
    private final Endpoint endpoint;
    private final InetSocketAddress address;
    private final TrafficStats clusterStats;
    private final AtomicInteger active = new AtomicInteger();
    private volatile boolean retired;

    public EndpointRef(String cluster, Endpoint endpoint, TrafficStats clusterStats) {
        this.cluster = cluster;
        this.endpoint = endpoint;
        this.address = new InetSocketAddress(endpoint.address().host(), endpoint.address().port());
        this.clusterStats = clusterStats;
    }

    public String cluster() { return cluster; }

    public Endpoint endpoint() { return endpoint; }

    public InetSocketAddress address() { return address; }

    public TrafficStats clusterStats() { return clusterStats; }

    public int active() { return active.get(); }

    public void requestStarted() { active.incrementAndGet(); }

    public void requestFinished() { active.decrementAndGet(); }

    /** True once a snapshot dropped this endpoint: its connections are closed instead of pooled. */
    public boolean retired() { return retired; }

    public void retire() { retired = true; }

    @Override public String toString() { return cluster + "/" + endpoint.address(); }
}
