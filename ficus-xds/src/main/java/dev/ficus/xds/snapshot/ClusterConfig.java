package dev.ficus.xds.snapshot;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A set of endpoints traffic is balanced over: an Istio service (or one subset of it, named
 * {@code outbound|port|subset|host}) with its DestinationRule's traffic policy applied.
 */
public record ClusterConfig(String name, List<Endpoint> endpoints, LbPolicy lbPolicy, Duration connectTimeout, ConnectionPoolLimits limits,
                            UpstreamProtocol upstreamProtocol) {
    /** Istio's default connect timeout. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    public ClusterConfig {
        Objects.requireNonNull(name, "name");
        endpoints = List.copyOf(Objects.requireNonNull(endpoints, "endpoints"));
        Objects.requireNonNull(lbPolicy, "lbPolicy");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (connectTimeout.isNegative() || connectTimeout.isZero()) throw new IllegalArgumentException("connectTimeout must be > 0");
        Objects.requireNonNull(limits, "limits");
        upstreamProtocol = upstreamProtocol == null ? UpstreamProtocol.HTTP1 : upstreamProtocol;
    }

    /** A cluster spoken to in HTTP/1.1. */
    public ClusterConfig(String name, List<Endpoint> endpoints, LbPolicy lbPolicy, Duration connectTimeout, ConnectionPoolLimits limits) {
        this(name, endpoints, lbPolicy, connectTimeout, limits, UpstreamProtocol.HTTP1);
    }

    public static ClusterConfig of(String name, Endpoint... endpoints) {
        return new ClusterConfig(name, List.of(endpoints), LbPolicy.ROUND_ROBIN, DEFAULT_CONNECT_TIMEOUT, ConnectionPoolLimits.DEFAULT);
    }

    public ClusterConfig withLbPolicy(LbPolicy p) { return new ClusterConfig(name, endpoints, p, connectTimeout, limits, upstreamProtocol); }

    public ClusterConfig withConnectTimeout(Duration t) { return new ClusterConfig(name, endpoints, lbPolicy, t, limits, upstreamProtocol); }

    public ClusterConfig withEndpoints(List<Endpoint> e) { return new ClusterConfig(name, e, lbPolicy, connectTimeout, limits, upstreamProtocol); }

    public ClusterConfig withUpstreamProtocol(UpstreamProtocol p) { return new ClusterConfig(name, endpoints, lbPolicy, connectTimeout, limits, p); }
}
