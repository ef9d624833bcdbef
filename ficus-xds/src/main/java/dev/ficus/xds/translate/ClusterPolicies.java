package dev.ficus.xds.translate;

import dev.ficus.api.networking.ConnectionPoolSettings;
import dev.ficus.api.networking.ConsistentHashLB;
import dev.ficus.api.networking.LoadBalancerSettings;
import dev.ficus.api.networking.OutlierDetection;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.ConnectionPoolLimits;
import dev.ficus.xds.snapshot.ConsistentHashConfig;
import dev.ficus.xds.snapshot.HashPolicy;
import dev.ficus.xds.snapshot.LbPolicy;
import dev.ficus.xds.snapshot.OutlierDetectionConfig;
import dev.ficus.xds.snapshot.UpstreamProtocol;

import dev.ficus.api.networking.ClientTLSSettings;
import dev.ficus.xds.snapshot.UpstreamTls;
import java.time.Duration;

/**
 * The cluster half of a DestinationRule's traffic policy: {@code loadBalancer},
 * {@code connectionPool} and {@code outlierDetection} applied to a {@link ClusterConfig}, with
 * Istio's defaults for unset fields. Settings the proxy cannot honour become notes, never silence.
 * Used by {@link Translator} for the rule's policy, then its subset's, then its port's.
 */
final class ClusterPolicies {
    /** Where notes go: a field path below the applied policy, and a message. */
    interface Notes {
        void note(String path, String message);
    }

    private ClusterPolicies() {}

    static ClusterConfig apply(ClusterConfig c, String path, LoadBalancerSettings lb, ConnectionPoolSettings pool, OutlierDetection od, Notes notes) {
        if (lb != null) c = loadBalancer(c, path + ".loadBalancer", lb, notes);
        if (pool != null) c = connectionPool(c, path + ".connectionPool", pool, notes);
        if (od != null) c = c.withOutlier(outlierDetection(od, c.outlier()));
        return c;
    }

    static ClusterConfig loadBalancer(ClusterConfig c, String path, LoadBalancerSettings lb, Notes notes) {
        if (lb.localityLbSetting() != null) notes.note(path + ".localityLbSetting", "locality load balancing is not applied by the proxy yet");
        ConsistentHashLB ch = lb.consistentHash();
        if (ch == null) {
            return c.withLbPolicy(switch (lb.effectiveSimple()) {
                case RANDOM -> LbPolicy.RANDOM;
                case ROUND_ROBIN -> LbPolicy.ROUND_ROBIN;
                case PASSTHROUGH -> {
                    notes.note(path + ".simple", "PASSTHROUGH is not applied by the proxy yet; LEAST_REQUEST is used");
                    yield LbPolicy.LEAST_REQUEST;
                }
                default -> LbPolicy.LEAST_REQUEST;
            });
        }
        String chPath = path + ".consistentHash";
        HashPolicy key;
        if (ch.httpHeaderName() != null) {
            key = new HashPolicy.Header(ch.httpHeaderName());
        } else if (ch.httpCookie() != null) {
            key = new HashPolicy.Cookie(ch.httpCookie().name(), ch.httpCookie().path(), ch.httpCookie().ttl());
        } else if (ch.httpQueryParameterName() != null) {
            key = new HashPolicy.QueryParameter(ch.httpQueryParameterName());
        } else if (Boolean.TRUE.equals(ch.useSourceIp())) {
            key = new HashPolicy.SourceIp();
        } else {
            notes.note(chPath, "consistent hashing without a key is not applied; LEAST_REQUEST is used");
            return c.withLbPolicy(LbPolicy.LEAST_REQUEST);
        }
        if (ch.maglev() != null) {
            long size = ch.maglev().tableSize() == null ? ConsistentHashConfig.DEFAULT_MAGLEV_SIZE : ch.maglev().tableSize();
            long prime = nextPrime(Math.max(2, Math.min(size, ConsistentHashConfig.MAX_TABLE_SIZE)));
            if (prime > ConsistentHashConfig.MAX_TABLE_SIZE) prime = ConsistentHashConfig.DEFAULT_MAGLEV_SIZE;
            if (prime != size) notes.note(chPath + ".maglev.tableSize", "a Maglev table size must be a prime up to " + ConsistentHashConfig.MAX_TABLE_SIZE + "; " + prime + " is used");
            return c.withConsistentHash(LbPolicy.MAGLEV, new ConsistentHashConfig(key, (int) prime));
        }
        long ring = ch.effectiveMinimumRingSize();
        if (ring < 1 || ring > ConsistentHashConfig.MAX_TABLE_SIZE) {
            notes.note(chPath + (ch.ringHash() != null ? ".ringHash.minimumRingSize" : ".minimumRingSize"), "a ring size must be in [1, " + ConsistentHashConfig.MAX_TABLE_SIZE + "]; " + ConsistentHashConfig.DEFAULT_RING_SIZE + " is used");
            ring = ConsistentHashConfig.DEFAULT_RING_SIZE;
        }
        return c.withConsistentHash(LbPolicy.RING_HASH, new ConsistentHashConfig(key, (int) ring));
    }

    /** Limits set here replace the cluster's; unset (or zero) ones keep what the cluster had, at first Istio's "unlimited". */
    static ClusterConfig connectionPool(ClusterConfig c, String path, ConnectionPoolSettings pool, Notes notes) {
        ConnectionPoolLimits l = c.limits();
        int maxConnections = l.maxConnections();
        int pending = l.maxPendingRequests();
        int requests = l.maxRequests();
        int perConnection = l.maxRequestsPerConnection();
        int retries = l.maxRetries();
        Duration idle = l.idleTimeout();
        Duration tcpIdle = l.tcpIdleTimeout();
        Duration maxDuration = l.maxConnectionDuration();
        ConnectionPoolLimits.TcpKeepalive keepalive = l.keepalive();
        int streams = l.maxConcurrentStreams();
        var tcp = pool.tcp();
        if (tcp != null) {
            if (positive(tcp.maxConnections())) maxConnections = tcp.maxConnections();
            if (tcp.connectTimeout() != null && !tcp.connectTimeout().isZero() && !tcp.connectTimeout().isNegative()) c = c.withConnectTimeout(tcp.connectTimeout());
            // proxied TCP connections take tcp.idleTimeout; HTTP pool connections take http.idleTimeout, with tcp.idleTimeout as fallback
            if (tcp.idleTimeout() != null && !tcp.idleTimeout().isNegative()) {
                tcpIdle = tcp.idleTimeout();
                if (pool.http() == null || pool.http().idleTimeout() == null) idle = tcp.idleTimeout();
            }
            if (tcp.maxConnectionDuration() != null && !tcp.maxConnectionDuration().isNegative()) maxDuration = tcp.maxConnectionDuration();
            if (tcp.tcpKeepalive() != null) {
                var k = tcp.tcpKeepalive();
                keepalive = new ConnectionPoolLimits.TcpKeepalive(positive(k.probes()) ? k.probes() : null,
                        atLeastOneSecond(k.time()), atLeastOneSecond(k.interval()));
            }
        }
        var http = pool.http();
        if (http != null) {
            if (positive(http.http1MaxPendingRequests())) pending = http.http1MaxPendingRequests();
            if (positive(http.http2MaxRequests())) requests = http.http2MaxRequests();
            if (http.maxRequestsPerConnection() != null && http.maxRequestsPerConnection() >= 0) perConnection = http.maxRequestsPerConnection();
            if (positive(http.maxRetries())) retries = http.maxRetries();
            if (http.idleTimeout() != null && !http.idleTimeout().isNegative()) idle = http.idleTimeout();
            // h2UpgradePolicy is applied where the cluster's upstream protocol is chosen (UpstreamProtocols), unless the
            // client's protocol is kept: then Istio leaves h2UpgradePolicy without effect, and so does the port's protocol
            if (http.useClientProtocol() != null) {
                if (http.useClientProtocol()) c = c.withUpstreamProtocol(UpstreamProtocol.CLIENT);
                else if (c.upstreamProtocol() == UpstreamProtocol.CLIENT) c = c.withUpstreamProtocol(UpstreamProtocol.HTTP1);
            }
            if (positive(http.maxConcurrentStreams())) streams = http.maxConcurrentStreams();
        }
        return c.withLimits(new ConnectionPoolLimits(maxConnections, pending, requests, perConnection, retries, idle, tcpIdle, maxDuration, keepalive, streams));
    }

    /** Istio's defaults for unset fields, or those of a policy applied before (a subset inherits nothing: the whole block replaces). */
    static OutlierDetectionConfig outlierDetection(OutlierDetection od, OutlierDetectionConfig before) {
        OutlierDetectionConfig d = OutlierDetectionConfig.DEFAULT;
        int gateway = od.consecutiveGatewayErrors() != null ? Math.max(0, od.consecutiveGatewayErrors()) : d.consecutiveGatewayErrors();
        int local = od.consecutiveLocalOriginFailures() != null ? Math.max(0, od.consecutiveLocalOriginFailures()) : d.consecutiveLocalOriginFailures();
        return new OutlierDetectionConfig(
                Math.max(0, od.effectiveConsecutive5xxErrors()),
                gateway,
                Boolean.TRUE.equals(od.splitExternalLocalOriginErrors()),
                local,
                atLeastOneMs(od.interval(), d.interval()),
                atLeastOneMs(od.baseEjectionTime(), d.baseEjectionTime()),
                od.maxEjectionPercent() != null ? clampPercent(od.maxEjectionPercent()) : d.maxEjectionPercent(),
                od.minHealthPercent() != null ? clampPercent(od.minHealthPercent()) : d.minHealthPercent());
    }

    /**
     * A DestinationRule's {@code tls}: ISTIO_MUTUAL uses the proxy's mesh certificate; SIMPLE and
     * MUTUAL originate TLS with the files named (read by the proxy); {@code credentialName} needs
     * Kubernetes secrets and is noted, not silently dropped.
     */
    static UpstreamTls tls(ClientTLSSettings t, String path, Notes notes) {
        ClientTLSSettings.TLSmode m = t.mode() == null ? ClientTLSSettings.TLSmode.DISABLE : t.mode();
        if (t.credentialName() != null) notes.note(path + ".credentialName", "credentialName needs Kubernetes secrets; use clientCertificate, privateKey and caCertificates files");
        if (t.caCrl() != null) notes.note(path + ".caCrl", "certificate revocation lists are not checked yet");
        UpstreamTls.Mode mode = switch (m) {
            case DISABLE -> UpstreamTls.Mode.DISABLE;
            case SIMPLE -> UpstreamTls.Mode.SIMPLE;
            case MUTUAL -> UpstreamTls.Mode.MUTUAL;
            case ISTIO_MUTUAL -> UpstreamTls.Mode.ISTIO_MUTUAL;
        };
        if (mode == UpstreamTls.Mode.MUTUAL && (t.clientCertificate() == null || t.privateKey() == null)) {
            notes.note(path, "MUTUAL needs clientCertificate and privateKey; connecting with SIMPLE TLS instead");
            mode = UpstreamTls.Mode.SIMPLE;
        }
        return new UpstreamTls(mode, t.sni(), t.subjectAltNames(), t.caCertificates(),
                mode == UpstreamTls.Mode.MUTUAL ? t.clientCertificate() : null, mode == UpstreamTls.Mode.MUTUAL ? t.privateKey() : null,
                Boolean.TRUE.equals(t.insecureSkipVerify()));
    }

    private static boolean positive(Integer v) { return v != null && v > 0; }

    /** Keepalive times go to the socket in whole seconds: null stays null (the system's value), less than a second becomes one. */
    private static Duration atLeastOneSecond(Duration d) {
        if (d == null || d.isNegative() || d.isZero()) return null;
        return d.toSeconds() < 1 ? Duration.ofSeconds(1) : Duration.ofSeconds(d.toSeconds());
    }

    private static int clampPercent(int p) { return Math.max(0, Math.min(100, p)); }

    private static Duration atLeastOneMs(Duration d, Duration dflt) {
        if (d == null) return dflt;
        return d.toMillis() < 1 ? Duration.ofMillis(1) : d;
    }

    static long nextPrime(long n) {
        for (long p = Math.max(2, n); ; p++) {
            if (isPrime(p)) return p;
        }
    }

    private static boolean isPrime(long n) {
        if (n < 2) return false;
        if (n % 2 == 0) return n == 2;
        for (long d = 3; d * d <= n; d += 2) if (n % d == 0) return false;
        return true;
    }
}
