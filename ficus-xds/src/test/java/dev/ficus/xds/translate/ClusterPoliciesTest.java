package dev.ficus.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.api.config.Diagnostic;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.ConnectionPoolLimits;
import dev.ficus.xds.snapshot.ConsistentHashConfig;
import dev.ficus.xds.snapshot.HashPolicy;
import dev.ficus.xds.snapshot.LbPolicy;
import dev.ficus.xds.snapshot.OutlierDetectionConfig;
import dev.ficus.xds.snapshot.UpstreamProtocol;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** DestinationRule's connectionPool, outlierDetection and consistentHash as the proxy's cluster config. */
class ClusterPoliciesTest {
    static final String SERVICE = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: reviews, namespace: shop}
            spec:
              hosts: [reviews.shop.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9080, name: http, protocol: HTTP}]
              endpoints: [{address: 127.0.0.11, labels: {version: v1}}, {address: 127.0.0.12, labels: {version: v2}}]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: shop}
            spec:
              hosts: [reviews]
              http:
              - route: [{destination: {host: reviews, subset: v1}, weight: 50}, {destination: {host: reviews, subset: v2}, weight: 50}]
            ---
            """;

    static Translation translate(String destinationRule) {
        return TranslatorTest.translate(SERVICE + destinationRule, TranslatorTest.FRONTEND);
    }

    static ClusterConfig cluster(Translation t, String subset) {
        return t.snapshot().clusters().get("outbound|9080|" + subset + "|reviews.shop.svc.cluster.local");
    }

    @Test
    void connectionPoolBecomesCircuitBreakerLimits() {
        Translation t = translate("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews, namespace: shop}
                spec:
                  host: reviews
                  trafficPolicy:
                    connectionPool:
                      tcp: {maxConnections: 7, connectTimeout: 250ms, idleTimeout: 5m}
                      http: {http1MaxPendingRequests: 3, http2MaxRequests: 20, maxRequestsPerConnection: 4, maxRetries: 2, idleTimeout: 30s}
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - name: v2
                    labels: {version: v2}
                    trafficPolicy: {connectionPool: {tcp: {maxConnections: 1}}}
                """);
        ClusterConfig v1 = cluster(t, "v1");
        assertThat(v1.limits()).isEqualTo(new ConnectionPoolLimits(7, 3, 20, 4, 2, Duration.ofSeconds(30), Duration.ofMinutes(5), null, null));
        assertThat(v1.connectTimeout()).isEqualTo(Duration.ofMillis(250));
        ClusterConfig v2 = cluster(t, "v2");
        assertThat(v2.limits().maxConnections()).isEqualTo(1);
        assertThat(v2.limits().maxPendingRequests()).as("the subset's pool only overrides what it sets").isEqualTo(3);
        assertThat(t.notes()).isEmpty();
    }

    @Test
    void tcpIdleTimeoutMaximumDurationAndKeepaliveReachTheCluster() {
        Translation t = translate("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews, namespace: shop}
                spec:
                  host: reviews
                  trafficPolicy:
                    connectionPool:
                      tcp:
                        idleTimeout: 90s
                        maxConnectionDuration: 10m
                        tcpKeepalive: {time: 120s, interval: 1500ms, probes: 3}
                      http: {h2UpgradePolicy: UPGRADE}
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - name: v2
                    labels: {version: v2}
                    trafficPolicy: {connectionPool: {tcp: {idleTimeout: 0s, tcpKeepalive: {time: 10s}}}}
                """);
        ConnectionPoolLimits v1 = cluster(t, "v1").limits();
        assertThat(v1.tcpIdleTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(v1.idleTimeout()).as("HTTP pool connections fall back to tcp.idleTimeout").isEqualTo(Duration.ofSeconds(90));
        assertThat(v1.maxConnectionDuration()).isEqualTo(Duration.ofMinutes(10));
        assertThat(v1.keepalive()).as("whole seconds, as the socket takes them")
                .isEqualTo(new ConnectionPoolLimits.TcpKeepalive(3, Duration.ofSeconds(120), Duration.ofSeconds(1)));
        ConnectionPoolLimits v2 = cluster(t, "v2").limits();
        assertThat(v2.tcpIdleTimeout()).as("0s disables, as in Istio").isZero();
        assertThat(v2.keepalive()).isEqualTo(new ConnectionPoolLimits.TcpKeepalive(null, Duration.ofSeconds(10), null));
        assertThat(v2.maxConnectionDuration()).as("the subset only overrides what it sets").isEqualTo(Duration.ofMinutes(10));
        assertThat(t.notes()).as("every field here is applied").isEmpty();
    }

    @Test
    void maxConcurrentStreamsCapsStreamsPerHttp2ConnectionAndUseClientProtocolWinsOverThePort() {
        Translation t = TranslatorTest.translate("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: ratings, namespace: shop}
                spec:
                  hosts: [ratings.shop.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9090, name: grpc, protocol: GRPC}]
                  endpoints: [{address: 127.0.0.21, labels: {version: v1}}, {address: 127.0.0.22, labels: {version: v2}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: ratings, namespace: shop}
                spec:
                  hosts: [ratings]
                  http:
                  - route: [{destination: {host: ratings, subset: v1}, weight: 50}, {destination: {host: ratings, subset: v2}, weight: 50}]
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: ratings, namespace: shop}
                spec:
                  host: ratings
                  trafficPolicy:
                    connectionPool: {http: {maxConcurrentStreams: 2, useClientProtocol: true, h2UpgradePolicy: UPGRADE}}
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - name: v2
                    labels: {version: v2}
                    trafficPolicy: {connectionPool: {http: {useClientProtocol: false, maxConcurrentStreams: 100}}}
                """, TranslatorTest.FRONTEND);
        ClusterConfig v1 = t.snapshot().clusters().get("outbound|9090|v1|ratings.shop.svc.cluster.local");
        assertThat(v1.limits().maxConcurrentStreams()).isEqualTo(2);
        assertThat(v1.upstreamProtocol()).as("the client's protocol, not the GRPC port's HTTP/2 nor the upgrade").isEqualTo(UpstreamProtocol.CLIENT);
        ClusterConfig v2 = t.snapshot().clusters().get("outbound|9090|v2|ratings.shop.svc.cluster.local");
        assertThat(v2.limits().maxConcurrentStreams()).isEqualTo(100);
        assertThat(v2.upstreamProtocol()).as("useClientProtocol: false leaves the port's protocol").isEqualTo(UpstreamProtocol.HTTP2);
        assertThat(t.notes()).as("both fields are applied").isEmpty();
        // unset: no cap but the server's, and the port's protocol
        ClusterConfig reviews = cluster(translate(""), "v1");
        assertThat(reviews.limits().maxConcurrentStreams()).isZero();
        assertThat(reviews.upstreamProtocol()).isEqualTo(UpstreamProtocol.HTTP1);
    }

    @Test
    void withoutTcpSettingsIstiosDefaultsApply() {
        Translation t = translate("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews, namespace: shop}
                spec:
                  host: reviews
                  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
                """);
        ConnectionPoolLimits l = cluster(t, "v1").limits();
        assertThat(l.tcpIdleTimeout()).isEqualTo(Duration.ofHours(1));
        assertThat(l.maxConnectionDuration()).isZero();
        assertThat(l.keepalive()).isNull();
    }

    @Test
    void unsetLimitsAreUnlimitedAsInIstio() {
        Translation t = translate("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews, namespace: shop}
                spec:
                  host: reviews
                  trafficPolicy: {connectionPool: {tcp: {idleTimeout: 2m}}}
                  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
                """);
        ConnectionPoolLimits l = cluster(t, "v1").limits();
        assertThat(l.maxConnections()).isEqualTo(ConnectionPoolLimits.UNLIMITED);
        assertThat(l.maxPendingRequests()).isEqualTo(ConnectionPoolLimits.UNLIMITED);
        assertThat(l.maxRequests()).isEqualTo(ConnectionPoolLimits.UNLIMITED);
        assertThat(l.maxRetries()).isEqualTo(ConnectionPoolLimits.UNLIMITED);
        assertThat(l.idleTimeout()).as("tcp.idleTimeout when http has none").isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void outlierDetectionWithIstioDefaultsAndTheDeprecatedField() {
        Translation t = translate("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews, namespace: shop}
                spec:
                  host: reviews
                  trafficPolicy:
                    outlierDetection: {consecutiveGatewayErrors: 2, interval: 1s, baseEjectionTime: 15s, maxEjectionPercent: 50, minHealthPercent: 30}
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - name: v2
                    labels: {version: v2}
                    trafficPolicy: {outlierDetection: {consecutiveErrors: 9, splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailures: 4}}
                """);
        assertThat(cluster(t, "v1").outlier()).isEqualTo(new OutlierDetectionConfig(5, 2, false, 5, Duration.ofSeconds(1), Duration.ofSeconds(15), 50, 30));
        assertThat(cluster(t, "v2").outlier()).as("a subset's block replaces the rule's")
                .isEqualTo(new OutlierDetectionConfig(9, 0, true, 4, Duration.ofSeconds(10), Duration.ofSeconds(30), 10, 0));
        assertThat(t.notes()).extracting(Diagnostic::format).noneMatch(n -> n.contains("outlier"));
    }

    @Test
    void consistentHashKeysAndTables() {
        Translation t = translate("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews, namespace: shop}
                spec:
                  host: reviews
                  trafficPolicy:
                    loadBalancer: {consistentHash: {httpCookie: {name: user, path: /, ttl: 60s}, ringHash: {minimumRingSize: 4096}}}
                  subsets:
                  - name: v1
                    labels: {version: v1}
                    trafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: x-user, maglev: {tableSize: 1009}}}}
                  - name: v2
                    labels: {version: v2}
                """);
        ClusterConfig v2 = cluster(t, "v2");
        assertThat(v2.lbPolicy()).isEqualTo(LbPolicy.RING_HASH);
        assertThat(v2.hash()).isEqualTo(new ConsistentHashConfig(new HashPolicy.Cookie("user", "/", Duration.ofSeconds(60)), 4096));
        ClusterConfig v1 = cluster(t, "v1");
        assertThat(v1.lbPolicy()).isEqualTo(LbPolicy.MAGLEV);
        assertThat(v1.hash()).isEqualTo(new ConsistentHashConfig(new HashPolicy.Header("x-user"), 1009));
        assertThat(t.notes()).isEmpty();
    }

    @Test
    void sourceIpAndQueryParameterKeysUseTheDefaultRing() {
        Translation t = translate("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews, namespace: shop}
                spec:
                  host: reviews
                  trafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true}}}
                  subsets:
                  - {name: v1, labels: {version: v1}, trafficPolicy: {loadBalancer: {consistentHash: {httpQueryParameterName: cart, minimumRingSize: 64}}}}
                  - {name: v2, labels: {version: v2}}
                """);
        assertThat(cluster(t, "v2").hash()).isEqualTo(new ConsistentHashConfig(new HashPolicy.SourceIp(), 1024));
        assertThat(cluster(t, "v1").hash()).isEqualTo(new ConsistentHashConfig(new HashPolicy.QueryParameter("cart"), 64));
    }

    @Test
    void primes() {
        assertThat(ClusterPolicies.nextPrime(65537)).isEqualTo(65537);
        assertThat(ClusterPolicies.nextPrime(1000)).isEqualTo(1009);
        assertThat(ClusterPolicies.nextPrime(1)).isEqualTo(2);
    }
}
