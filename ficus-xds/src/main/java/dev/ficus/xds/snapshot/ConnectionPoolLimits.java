package dev.ficus.xds.snapshot;

import java.time.Duration;

/**
 * Limits on upstream connections (DestinationRule's {@code connectionPool}). The proxy keeps one
 * pool per event loop, so {@code maxConnections} is divided among the event loops.
 *
 * @param maxRequestsPerConnection 0 for unlimited
 * @param idleTimeout              how long an idle keep-alive connection is kept
 */
public record ConnectionPoolLimits(int maxConnections, int maxPendingRequests, int maxRequestsPerConnection, Duration idleTimeout) {
    /** Istio's defaults: effectively unlimited, one hour idle. */
    public static final ConnectionPoolLimits DEFAULT = new ConnectionPoolLimits(Integer.MAX_VALUE, Integer.MAX_VALUE, 0, Duration.ofHours(1));

    public ConnectionPoolLimits {
        if (maxConnections < 1 || maxPendingRequests < 0 || maxRequestsPerConnection < 0) throw new IllegalArgumentException("connection pool limits must be positive");
        if (idleTimeout == null || idleTimeout.isNegative()) throw new IllegalArgumentException("idleTimeout must be >= 0");
    }
}
