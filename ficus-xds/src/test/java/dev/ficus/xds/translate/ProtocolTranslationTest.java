package dev.ficus.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerProtocol;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.TcpRoute;
import dev.ficus.xds.snapshot.UpstreamProtocol;
import dev.ficus.xds.snapshot.WeightedCluster;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Istio's tcp[] and tls[] routes, TCP listener ports and HTTP/2 upstreams in the snapshot. */
class ProtocolTranslationTest {
    static final String MESH = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: db, namespace: shop}
            spec:
              hosts: [db.shop.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 5432, name: tcp, protocol: TCP}, {number: 9000, name: grpc, protocol: GRPC}]
              endpoints: [{address: 127.0.0.1}]
            ---
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: default, namespace: shop}
            spec:
              egress:
              - port: {number: 5432, protocol: TCP, name: db}
                bind: 127.0.0.1
                hosts: ["./*"]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: db, namespace: shop}
            spec:
              hosts: [db.shop.svc.cluster.local]
              tls:
              - match: [{port: 5432, sniHosts: [secure.db.example]}]
                route: [{destination: {host: db.shop.svc.cluster.local, port: {number: 5432}}}]
              tcp:
              - match: [{port: 5432}]
                route:
                - {destination: {host: db.shop.svc.cluster.local, port: {number: 5432}}, weight: 90}
                - {destination: {host: db.shop.svc.cluster.local, port: {number: 9000}}, weight: 10}
            """;

    @Test
    void egressTcpPortBecomesATcpListenerWithTlsRoutesBeforeWeightedTcpRoutes() {
        Translation t = TranslatorTest.translate(MESH, new ProxyIdentity("web", "shop", Map.of("app", "web"), "web"));
        ProxySnapshot s = t.snapshot();
        ListenerConfig l = s.listeners().stream().filter(x -> x.name().equals("egress:5432")).findFirst().orElseThrow();
        assertThat(l.protocol()).isEqualTo(ListenerProtocol.TCP);
        assertThat(l.tcpRoutes().routes()).hasSize(2);
        TcpRoute tls = l.tcpRoutes().selectTls("secure.db.example");
        assertThat(tls.action().clusters()).extracting(WeightedCluster::cluster).containsExactly("outbound|5432||db.shop.svc.cluster.local");
        TcpRoute tcp = l.tcpRoutes().select(null);
        assertThat(tcp.action().clusters()).containsExactly(
                new WeightedCluster("outbound|5432||db.shop.svc.cluster.local", 90), new WeightedCluster("outbound|9000||db.shop.svc.cluster.local", 10));
        assertThat(s.clusters().get("outbound|9000||db.shop.svc.cluster.local").upstreamProtocol()).isEqualTo(UpstreamProtocol.HTTP2);
        assertThat(s.clusters().get("outbound|5432||db.shop.svc.cluster.local").upstreamProtocol()).isEqualTo(UpstreamProtocol.HTTP1);
    }
}
