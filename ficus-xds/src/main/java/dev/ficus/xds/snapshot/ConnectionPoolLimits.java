package dev.ficus.xds.snapshot;

import java.time.Duration;

/**
 * Limits on upstream connections and requests (DestinationRule's {@code connectionPool}), enforced
 * by the proxy as Envoy's circuit breakers. Every count is per cluster across all event loops of
 * one proxy; going over one answers 503 with the response flag UO.
 *
 * @param maxConnections           connections open or opening ({@code tcp.maxConnections})
 * @param maxPendingRequests       requests waiting for a connection ({@code http.http1MaxPendingRequests})
 * @param maxRequests              requests in flight ({@code http.http2MaxRequests})
 * @param maxRequestsPerConnection 0 for unlimited ({@code http.maxRequestsPerConnection})
 * @param maxRetries               retries in flight ({@code http.maxRetries})
 * @param idleTimeout              how long an idle keep-alive connection is kept; 0 keeps it until the upstream closes it
 */
public record ConnectionPoolLimits(int maxConnections, int maxPendingRequests, int maxRequests, int maxRequestsPerConnection, int maxRetries, Duration idleTimeout) {
    /** Value of a limit that is not set: Istio leaves Envoy's breakers at 2^32-1, so unset means unlimited. */
    public static final int UNLIMITED = Integer.MAX_VALUE;
    /** Istio's defaults: effectively unlimited, one hour idle. */
    public static final ConnectionPoolLimits DEFAULT = new ConnectionPoolLimits(UNLIMITED, UNLIMITED, UNLIMITED, 0, UNLIMITED, Duration.ofHours(1));

    public ConnectionPoolLimits {
        if (maxConnections < 1 || maxPendingRequests < 0 || maxRequests < 1 || maxRequestsPerConnection < 0 || maxRetries < 0) {
            throw new IllegalArgumentException("connection pool limits must be positive");
        }
        if (idleTimeout == null || idleTimeout.isNegative()) throw new IllegalArgumentException("idleTimeout must be >= 0");
    }

    /** Connection and pending limits only; requests and retries unlimited. */
    public ConnectionPoolLimits(int maxConnections, int maxPendingRequests, int maxRequestsPerConnection, Duration idleTimeout) {
        this(maxConnections, maxPendingRequests, UNLIMITED, maxRequestsPerConnection, UNLIMITED, idleTimeout);
    }
}
