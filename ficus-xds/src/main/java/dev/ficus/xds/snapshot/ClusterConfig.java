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
 * @param upstreamProtocol HTTP/1.1 or HTTP/2 towards the endpoints (HTTP2/GRPC ports, h2UpgradePolicy)
 * @param tls     how connections are secured (mesh mTLS, TLS origination, plaintext); null: {@link UpstreamTls#AUTO}
 */
public record ClusterConfig(String name, List<Endpoint> endpoints, LbPolicy lbPolicy, Duration connectTimeout, ConnectionPoolLimits limits,
                            ConsistentHashConfig hash, OutlierDetectionConfig outlier, UpstreamProtocol upstreamProtocol, UpstreamTls tls) {
    /** Istio's default connect timeout. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    /**
     * Istio's {@code PassthroughCluster}: a route that forwards here sends the request to the host
     * and port it names itself (its original destination), as for a host outside the registry. It
     * is no cluster of the snapshot: the proxy resolves the request's authority.
     */
    public static final String PASSTHROUGH = "PassthroughCluster";

    public ClusterConfig {
        Objects.requireNonNull(name, "name");
        endpoints = List.copyOf(Objects.requireNonNull(endpoints, "endpoints"));
        Objects.requireNonNull(lbPolicy, "lbPolicy");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (connectTimeout.isNegative() || connectTimeout.isZero()) throw new IllegalArgumentException("connectTimeout must be > 0");
        Objects.requireNonNull(limits, "limits");
        if (lbPolicy.consistentHash() != (hash != null)) throw new IllegalArgumentException("a hash config goes with RING_HASH or MAGLEV, and only with them");
        upstreamProtocol = upstreamProtocol == null ? UpstreamProtocol.HTTP1 : upstreamProtocol;
        tls = tls == null ? UpstreamTls.AUTO : tls;
    }

    /** A cluster with Istio's default (auto) mTLS. */
    public ClusterConfig(String name, List<Endpoint> endpoints, LbPolicy lbPolicy, Duration connectTimeout, ConnectionPoolLimits limits,
                         ConsistentHashConfig hash, OutlierDetectionConfig outlier, UpstreamProtocol upstreamProtocol) {
        this(name, endpoints, lbPolicy, connectTimeout, limits, hash, outlier, upstreamProtocol, UpstreamTls.AUTO);
    }

    /** A cluster spoken to in HTTP/1.1, without consistent hashing or outlier detection. */
    public ClusterConfig(String name, List<Endpoint> endpoints, LbPolicy lbPolicy, Duration connectTimeout, ConnectionPoolLimits limits) {
        this(name, endpoints, lbPolicy, connectTimeout, limits, null, null, UpstreamProtocol.HTTP1);
    }

    public static ClusterConfig of(String name, Endpoint... endpoints) {
        return new ClusterConfig(name, List.of(endpoints), LbPolicy.ROUND_ROBIN, DEFAULT_CONNECT_TIMEOUT, ConnectionPoolLimits.DEFAULT);
    }

    /** A simple policy; drops any hash config. */
    public ClusterConfig withLbPolicy(LbPolicy p) {
        if (p.consistentHash()) throw new IllegalArgumentException("use withConsistentHash for " + p);
        return new ClusterConfig(name, endpoints, p, connectTimeout, limits, null, outlier, upstreamProtocol, tls);
    }

    /** {@code RING_HASH} or {@code MAGLEV} with its key and table size. */
    public ClusterConfig withConsistentHash(LbPolicy p, ConsistentHashConfig h) { return new ClusterConfig(name, endpoints, p, connectTimeout, limits, h, outlier, upstreamProtocol, tls); }

    public ClusterConfig withConnectTimeout(Duration t) { return new ClusterConfig(name, endpoints, lbPolicy, t, limits, hash, outlier, upstreamProtocol, tls); }

    public ClusterConfig withEndpoints(List<Endpoint> e) { return new ClusterConfig(name, e, lbPolicy, connectTimeout, limits, hash, outlier, upstreamProtocol, tls); }

    public ClusterConfig withLimits(ConnectionPoolLimits l) { return new ClusterConfig(name, endpoints, lbPolicy, connectTimeout, l, hash, outlier, upstreamProtocol, tls); }

    public ClusterConfig withOutlier(OutlierDetectionConfig o) { return new ClusterConfig(name, endpoints, lbPolicy, connectTimeout, limits, hash, o, upstreamProtocol, tls); }

    public ClusterConfig withTls(UpstreamTls t) { return new ClusterConfig(name, endpoints, lbPolicy, connectTimeout, limits, hash, outlier, upstreamProtocol, t); }

    public ClusterConfig withUpstreamProtocol(UpstreamProtocol p) { return new ClusterConfig(name, endpoints, lbPolicy, connectTimeout, limits, hash, outlier, p, tls); }
}
