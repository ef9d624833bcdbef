package dev.ficus.proxy.lb;

import dev.ficus.proxy.pool.CircuitBreakers;
import dev.ficus.proxy.telemetry.TrafficStats;
import dev.ficus.xds.snapshot.Endpoint;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An endpoint as the data plane uses it: its socket address, resolved once off the event loop,
 * its count of in-flight requests (read by least-request pickers), its cluster's circuit breakers
 * and, when the cluster has outlier detection, its consecutive-failure counters and ejection
 * state. The same object is kept across snapshot swaps while the endpoint stays, so counters,
 * ejections and pooled connections survive.
 */
public final class EndpointRef {
    private final String cluster;
    private final Endpoint endpoint;
    private final InetSocketAddress address;
    private final TrafficStats clusterStats;
    private final CircuitBreakers breakers;
    private final AtomicInteger active = new AtomicInteger();
    private volatile boolean retired;
    // outlier detection: counters bumped on event loops, the rest written by the detector's thread only
    private volatile OutlierSink outlier;
    private final AtomicInteger consecutive5xx = new AtomicInteger();
    private final AtomicInteger consecutiveGateway = new AtomicInteger();
    private final AtomicInteger consecutiveLocal = new AtomicInteger();
    private volatile boolean ejected;
    private int ejections;
    private long ejectedAtNanos;

    public EndpointRef(String cluster, Endpoint endpoint, TrafficStats clusterStats) {
        this(cluster, endpoint, clusterStats, CircuitBreakers.unlimited());
    }

    public EndpointRef(String cluster, Endpoint endpoint, TrafficStats clusterStats, CircuitBreakers breakers) {
        this.cluster = cluster;
        this.endpoint = endpoint;
        this.address = new InetSocketAddress(endpoint.address().host(), endpoint.address().port());
        this.clusterStats = clusterStats;
        this.breakers = breakers;
    }

    public String cluster() { return cluster; }

    public Endpoint endpoint() { return endpoint; }

    public InetSocketAddress address() { return address; }

    public TrafficStats clusterStats() { return clusterStats; }

    /** The circuit breakers of this endpoint's cluster, shared by all its endpoints and event loops. */
    public CircuitBreakers breakers() { return breakers; }

    public int active() { return active.get(); }

    public void requestStarted() { active.incrementAndGet(); }

    public void requestFinished() { active.decrementAndGet(); }

    /** True once a snapshot dropped this endpoint: its connections are closed instead of pooled. */
    public boolean retired() { return retired; }

    public void retire() { retired = true; }

    // ---- outlier detection

    /** Reports a response status to the cluster's outlier detection, if any. Event loop. */
    public void reportStatus(int status) {
        OutlierSink s = outlier;
        if (s != null) s.onStatus(this, status);
    }

    /** Reports a connect failure, a reset or a timeout to the cluster's outlier detection, if any. Event loop. */
    public void reportLocalOriginFailure() {
        OutlierSink s = outlier;
        if (s != null) s.onLocalOriginFailure(this);
    }

    /** Sets (or clears, with null) where outcomes go; called when a snapshot is installed. */
    public void outlierSink(OutlierSink s) { outlier = s; }

    public AtomicInteger consecutive5xx() { return consecutive5xx; }

    public AtomicInteger consecutiveGateway() { return consecutiveGateway; }

    public AtomicInteger consecutiveLocal() { return consecutiveLocal; }

    /** Whether outlier detection took this endpoint out of load balancing. */
    public boolean ejected() { return ejected; }

    /** Ejections so far, the multiplier of the next ejection time; detector thread only. */
    public int ejections() { return ejections; }

    public long ejectedAtNanos() { return ejectedAtNanos; }

    /** Detector thread only. */
    public void eject(long nowNanos) {
        ejections++;
        ejectedAtNanos = nowNanos;
        ejected = true;
        resetCounters();
    }

    /** Detector thread only. */
    public void unEject() {
        ejected = false;
        resetCounters();
    }

    /** Lowers the ejection multiplier of an endpoint that stayed healthy for an interval; detector thread only. */
    public void healthyInterval() {
        if (!ejected && ejections > 0) ejections--;
    }

    public void resetCounters() {
        consecutive5xx.set(0);
        consecutiveGateway.set(0);
        consecutiveLocal.set(0);
    }

    @Override public String toString() { return cluster + "/" + endpoint.address(); }
}
