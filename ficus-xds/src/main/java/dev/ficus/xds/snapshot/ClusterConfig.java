package dev.ficus.xds.snapshot;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A set of endpoints traffic is balanced over: an Istio service (or one subset of it, named
 * {@code outbound|port|subset|host}) with its DestinationRule's traffic policy applied.
 *
 * @param hash    the hash key and table size; set exactly when {@code lbPolicy} is a consistent hash
 * @param outlier passive health checking, or null when the DestinationRule asks for none
 */
public record ClusterConfig(String name, List<Endpoint> endpoints, LbPolicy lbPolicy, Duration connectTimeout, ConnectionPoolLimits limits,
                            ConsistentHashConfig hash, OutlierDetectionConfig outlier) {
    /** Istio's default connect timeout. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    public ClusterConfig {
        Objects.requireNonNull(name, "name");
        endpoints = List.copyOf(Objects.requireNonNull(endpoints, "endpoints"));
        Objects.requireNonNull(lbPolicy, "lbPolicy");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (connectTimeout.isNegative() || connectTimeout.isZero()) throw new IllegalArgumentException("connectTimeout must be > 0");
        Objects.requireNonNull(limits, "limits");
        if (lbPolicy.consistentHash() != (hash != null)) throw new IllegalArgumentException("a hash config goes with RING_HASH or MAGLEV, and only with them");
    }

    public ClusterConfig(String name, List<Endpoint> endpoints, LbPolicy lbPolicy, Duration connectTimeout, ConnectionPoolLimits limits) {
        this(name, endpoints, lbPolicy, connectTimeout, limits, null, null);
    }

    public static ClusterConfig of(String name, Endpoint... endpoints) {
        return new ClusterConfig(name, List.of(endpoints), LbPolicy.ROUND_ROBIN, DEFAULT_CONNECT_TIMEOUT, ConnectionPoolLimits.DEFAULT);
    }

    /** A simple policy; drops any hash config. */
    public ClusterConfig withLbPolicy(LbPolicy p) {
        if (p.consistentHash()) throw new IllegalArgumentException("use withConsistentHash for " + p);
        return new ClusterConfig(name, endpoints, p, connectTimeout, limits, null, outlier);
    }

    /** {@code RING_HASH} or {@code MAGLEV} with its key and table size. */
    public ClusterConfig withConsistentHash(LbPolicy p, ConsistentHashConfig h) { return new ClusterConfig(name, endpoints, p, connectTimeout, limits, h, outlier); }

    public ClusterConfig withConnectTimeout(Duration t) { return new ClusterConfig(name, endpoints, lbPolicy, t, limits, hash, outlier); }

    public ClusterConfig withEndpoints(List<Endpoint> e) { return new ClusterConfig(name, e, lbPolicy, connectTimeout, limits, hash, outlier); }

    public ClusterConfig withLimits(ConnectionPoolLimits l) { return new ClusterConfig(name, endpoints, lbPolicy, connectTimeout, l, hash, outlier); }

    public ClusterConfig withOutlier(OutlierDetectionConfig o) { return new ClusterConfig(name, endpoints, lbPolicy, connectTimeout, limits, hash, o); }
}
