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
 * @param tcpIdleTimeout           a proxied TCP connection (TCP route, CONNECT tunnel, upgraded HTTP) that moves no
 *                                 byte either way for this long is closed on both sides ({@code tcp.idleTimeout});
 *                                 0 disables; null is Istio's default, one hour
 * @param maxConnectionDuration    an HTTP keep-alive connection older than this is not reused: it is closed when its
 *                                 exchange ends ({@code tcp.maxConnectionDuration}); 0 or null for no limit
 * @param keepalive                SO_KEEPALIVE on upstream connections ({@code tcp.tcpKeepalive}), or null for none
 * @param maxConcurrentStreams     streams one upstream HTTP/2 connection carries at once ({@code http.maxConcurrentStreams});
 *                                 a request that finds every connection full gets a new one (under {@code maxConnections}).
 *                                 0: no limit but the server's SETTINGS_MAX_CONCURRENT_STREAMS (Istio's default, 2^31-1)
 */
public record ConnectionPoolLimits(int maxConnections, int maxPendingRequests, int maxRequests, int maxRequestsPerConnection, int maxRetries,
                                   Duration idleTimeout, Duration tcpIdleTimeout, Duration maxConnectionDuration, TcpKeepalive keepalive,
                                   int maxConcurrentStreams) {
    /** Value of a limit that is not set: Istio leaves Envoy's breakers at 2^32-1, so unset means unlimited. */
    public static final int UNLIMITED = Integer.MAX_VALUE;
    /** Istio's default idle timeout, for HTTP pool connections and proxied TCP connections alike. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(1);
    /** Istio's defaults: effectively unlimited, one hour idle, no maximum duration, no keepalive. */
    public static final ConnectionPoolLimits DEFAULT = new ConnectionPoolLimits(UNLIMITED, UNLIMITED, UNLIMITED, 0, UNLIMITED, DEFAULT_IDLE_TIMEOUT);

    public ConnectionPoolLimits {
        if (maxConnections < 1 || maxPendingRequests < 0 || maxRequests < 1 || maxRequestsPerConnection < 0 || maxRetries < 0) {
            throw new IllegalArgumentException("connection pool limits must be positive");
        }
        if (idleTimeout == null || idleTimeout.isNegative()) throw new IllegalArgumentException("idleTimeout must be >= 0");
        if (tcpIdleTimeout == null) tcpIdleTimeout = DEFAULT_IDLE_TIMEOUT;
        if (tcpIdleTimeout.isNegative()) throw new IllegalArgumentException("tcpIdleTimeout must be >= 0");
        if (maxConnectionDuration == null) maxConnectionDuration = Duration.ZERO;
        if (maxConnectionDuration.isNegative()) throw new IllegalArgumentException("maxConnectionDuration must be >= 0");
        if (maxConcurrentStreams < 0) throw new IllegalArgumentException("maxConcurrentStreams must be >= 0");
    }

    /** Limits without a cap on concurrent HTTP/2 streams per connection (the server's own still holds). */
    public ConnectionPoolLimits(int maxConnections, int maxPendingRequests, int maxRequests, int maxRequestsPerConnection, int maxRetries,
                                Duration idleTimeout, Duration tcpIdleTimeout, Duration maxConnectionDuration, TcpKeepalive keepalive) {
        this(maxConnections, maxPendingRequests, maxRequests, maxRequestsPerConnection, maxRetries, idleTimeout, tcpIdleTimeout, maxConnectionDuration, keepalive, 0);
    }

    /** HTTP limits with Istio's TCP defaults (one hour idle, no maximum duration, no keepalive). */
    public ConnectionPoolLimits(int maxConnections, int maxPendingRequests, int maxRequests, int maxRequestsPerConnection, int maxRetries, Duration idleTimeout) {
        this(maxConnections, maxPendingRequests, maxRequests, maxRequestsPerConnection, maxRetries, idleTimeout, null, null, null);
    }

    /** Connection and pending limits only; requests and retries unlimited. */
    public ConnectionPoolLimits(int maxConnections, int maxPendingRequests, int maxRequestsPerConnection, Duration idleTimeout) {
        this(maxConnections, maxPendingRequests, UNLIMITED, maxRequestsPerConnection, UNLIMITED, idleTimeout);
    }

    /**
     * SO_KEEPALIVE probes on upstream connections ({@code tcp.tcpKeepalive}); a null field keeps
     * the operating system's value (Linux: 7200 s, 75 s, 9 probes).
     *
     * @param probes   unanswered probes before the connection is dead, or null
     * @param time     idle time before the first probe, or null
     * @param interval time between probes, or null
     */
    public record TcpKeepalive(Integer probes, Duration time, Duration interval) {
        public TcpKeepalive {
            if (probes != null && probes < 1) throw new IllegalArgumentException("keepalive probes must be >= 1");
            if (time != null && time.toSeconds() < 1) throw new IllegalArgumentException("keepalive time must be >= 1s");
            if (interval != null && interval.toSeconds() < 1) throw new IllegalArgumentException("keepalive interval must be >= 1s");
        }
    }
}
