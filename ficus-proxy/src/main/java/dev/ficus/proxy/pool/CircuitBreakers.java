package dev.ficus.proxy.pool;

import dev.ficus.xds.snapshot.ConnectionPoolLimits;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Envoy's circuit breakers for one cluster, shared by every event loop of the proxy: counts of
 * open connections, requests waiting for a connection, requests in flight and retries in flight,
 * each held under its {@link ConnectionPoolLimits} limit with a compare-and-set loop (never a
 * lock, and never over the limit, which a striped counter could not promise). A failed
 * {@code tryAcquire*} means overflow: the caller answers 503 with the flag UO.
 *
 * <p>Kept across snapshot swaps by cluster name, so counts survive; a new snapshot only replaces
 * the limits. Every method is thread-safe and non-blocking. Each successful {@code tryAcquire*}
 * must be paired with exactly one {@code release*}.
 */
public final class CircuitBreakers {
    private static final CircuitBreakers UNLIMITED = new CircuitBreakers(ConnectionPoolLimits.DEFAULT);

    private volatile ConnectionPoolLimits limits;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger retries = new AtomicInteger();

    public CircuitBreakers(ConnectionPoolLimits limits) { this.limits = limits; }

    /** Breakers that never open, for endpoints made outside a cluster (tests, tools). */
    public static CircuitBreakers unlimited() { return UNLIMITED; }

    public ConnectionPoolLimits limits() { return limits; }

    /** Installs the limits of a new snapshot; counts above a lowered limit drain naturally. */
    public void limits(ConnectionPoolLimits l) { this.limits = l; }

    public boolean tryAcquireConnection() { return tryAcquire(connections, limits.maxConnections()); }

    public void releaseConnection() { connections.decrementAndGet(); }

    /** Counts a connection opened outside the limit (an explicit {@code EndpointPool.connect}). */
    void forceAcquireConnection() { connections.incrementAndGet(); }

    public boolean tryAcquirePending() { return tryAcquire(pending, limits.maxPendingRequests()); }

    public void releasePending() { pending.decrementAndGet(); }

    /** Counts a request waiting outside the limit (a mirror's stream on a full HTTP/2 pool). */
    void forceAcquirePending() { pending.incrementAndGet(); }

    public boolean tryAcquireRequest() { return tryAcquire(requests, limits.maxRequests()); }

    public void releaseRequest() { requests.decrementAndGet(); }

    /**
     * Takes a slot for one retry under {@code http.maxRetries}; false means the retry budget is
     * exhausted (Envoy counts it as {@code upstream_rq_retry_overflow}) and the retry must not be
     * sent. Call {@link #releaseRetry()} when the retried attempt ends, whatever its outcome.
     */
    public boolean tryAcquireRetry() { return tryAcquire(retries, limits.maxRetries()); }

    public void releaseRetry() { retries.decrementAndGet(); }

    public int connections() { return connections.get(); }

    public int pending() { return pending.get(); }

    public int requests() { return requests.get(); }

    public int retries() { return retries.get(); }

    private static boolean tryAcquire(AtomicInteger count, int limit) {
        if (limit == ConnectionPoolLimits.UNLIMITED) {
            count.incrementAndGet();
            return true;
        }
        for (int n = count.get(); ; n = count.get()) {
            if (n >= limit) return false;
            if (count.compareAndSet(n, n + 1)) return true;
        }
    }
}
