package dev.ficus.api.networking;

import java.time.Duration;

/** Limits on connections and requests to each upstream host (circuit breaking). */
public record ConnectionPoolSettings(TCPSettings tcp, HTTPSettings http) {

    /**
     * Settings for HTTP and TCP upstream connections.
     *
     * @param connectTimeout        at least 1ms; 10s when unset
     * @param maxConnectionDuration at least 1ms; unlimited when unset
     * @param idleTimeout           0s disables; 1h when unset
     */
    public record TCPSettings(
            Integer maxConnections,
            Duration connectTimeout,
            TcpKeepalive tcpKeepalive,
            Duration maxConnectionDuration,
            Duration idleTimeout) {
    }

    /** SO_KEEPALIVE settings; unset fields keep the operating system's values. */
    public record TcpKeepalive(Integer probes, Duration time, Duration interval) {
    }

    /** Settings for HTTP/1.1, HTTP/2 and gRPC upstream connections. */
    public record HTTPSettings(
            Integer http1MaxPendingRequests,
            Integer http2MaxRequests,
            Integer maxRequestsPerConnection,
            Integer maxRetries,
            Duration idleTimeout,
            H2UpgradePolicy h2UpgradePolicy,
            Boolean useClientProtocol,
            Integer maxConcurrentStreams) {

        public enum H2UpgradePolicy {
            DEFAULT,
            DO_NOT_UPGRADE,
            UPGRADE
        }
    }
}
