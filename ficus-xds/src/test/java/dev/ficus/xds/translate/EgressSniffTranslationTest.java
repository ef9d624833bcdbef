package dev.ficus.xds.translate;

import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerProtocol;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.api.config.Diagnostic;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sidecar egress ports without a protocol are sniffed, as Istio does for a port whose protocol
 * is unset (it reads only {@code protocol}, the name is a label): HTTP by the port's HTTP routes,
 * anything else by its TCP routes.
 */
class EgressSniffTranslationTest {

    @Test
    void anEgressPortWithoutAProtocolIsSniffedAndOneWithAProtocolIsNot() {
        String yaml = TranslatorTest.SHOP + """
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: db, namespace: shop}
                spec:
                  hosts: [db.shop.svc.cluster.local]
                  tcp: [{match: [{port: 9090}], route: [{destination: {host: reviews, port: {number: 9080}}}]}]
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: frontend, namespace: shop}
                spec:
                  workloadSelector: {labels: {app: frontend}}
                  egress:
                  - {port: {number: 9090, name: http-looks-like-http}, bind: 127.0.0.1, hosts: [shop/reviews.shop.svc.cluster.local]}
                  - {port: {number: 9080, protocol: HTTP, name: http}, bind: 127.0.0.1, hosts: [shop/reviews.shop.svc.cluster.local]}
                """;
        ProxySnapshot s = TranslatorTest.translate(yaml, TranslatorTest.FRONTEND).snapshot();
        ListenerConfig sniffed = s.listeners().stream().filter(l -> l.name().equals("egress:9090")).findFirst().orElseThrow();
        assertThat(sniffed.protocol()).isEqualTo(ListenerProtocol.AUTO);
        assertThat(s.routeTables().get(sniffed.routeTable())).as("HTTP goes by the port's HTTP routes").isNotNull();
        assertThat(sniffed.tcpRoutes().routes()).as("anything else by its TCP routes").extracting(r -> r.action().clusters().getFirst().cluster())
                .containsExactly("outbound|9080||reviews.shop.svc.cluster.local");
        ListenerConfig http = s.listeners().stream().filter(l -> l.name().equals("egress:9080")).findFirst().orElseThrow();
        assertThat(http.protocol()).isEqualTo(ListenerProtocol.HTTP);
    }
    private static final String DB = """
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: db, namespace: shop}
            spec:
              hosts: [db.shop.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 5432, name: tcp-postgres, protocol: TCP}]
              endpoints: [{address: 127.0.0.21}]
            """;

    @Test
    void aTcpEgressPortWithoutAVirtualServiceGoesToTheServiceOfThatPort() {
        String yaml = TranslatorTest.SHOP + DB + """
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: frontend, namespace: shop}
                spec:
                  workloadSelector: {labels: {app: frontend}}
                  egress:
                  - {port: {number: 5432, protocol: TCP, name: tcp}, bind: 127.0.0.1, hosts: ["./*"]}
                  - {port: {number: 15432, name: sniffed}, bind: 127.0.0.1, hosts: ["./*"]}
                """;
        Translation t = TranslatorTest.translate(yaml, TranslatorTest.FRONTEND);
        ListenerConfig tcp = t.snapshot().listeners().stream().filter(l -> l.name().equals("egress:5432")).findFirst().orElseThrow();
        assertThat(tcp.tcpRoutes().routes()).as("Istio's listener for the service port: to the service")
                .extracting(r -> r.action().clusters().getFirst().cluster()).containsExactly("outbound|5432||db.shop.svc.cluster.local");
        ListenerConfig none = t.snapshot().listeners().stream().filter(l -> l.name().equals("egress:15432")).findFirst().orElseThrow();
        assertThat(none.tcpRoutes().routes()).as("no service has the port: nothing to route to").isEmpty();
        assertThat(t.notes()).isEmpty();
    }

    @Test
    void twoServicesOnTheEgressPortAreNotGuessedBetween() {
        String yaml = TranslatorTest.SHOP + DB + DB.replace("name: db,", "name: db2,").replace("db.shop", "db2.shop").replace("127.0.0.21", "127.0.0.22") + """
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: frontend, namespace: shop}
                spec:
                  workloadSelector: {labels: {app: frontend}}
                  egress:
                  - {port: {number: 5432, protocol: TCP, name: tcp}, bind: 127.0.0.1, hosts: ["./*"]}
                """;
        Translation t = TranslatorTest.translate(yaml, TranslatorTest.FRONTEND);
        ListenerConfig tcp = t.snapshot().listeners().stream().filter(l -> l.name().equals("egress:5432")).findFirst().orElseThrow();
        assertThat(tcp.tcpRoutes().routes()).isEmpty();
        assertThat(t.notes()).extracting(Diagnostic::format).singleElement().asString()
                .contains("spec.egress[0].port").contains("[db.shop.svc.cluster.local, db2.shop.svc.cluster.local] all have port 5432");
    }
    /** TLS services that share an egress port are told apart by the tls routes that name them: no doubt to note for those. */
    @Test
    void tlsServicesOnOneEgressPortAreToldApartByTheirTlsRoutes() {
        String tls = """
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: NAME, namespace: shop}
                spec:
                  hosts: [NAME.example.com]
                  location: MESH_EXTERNAL
                  resolution: STATIC
                  ports: [{number: 443, name: tls, protocol: TLS}]
                  endpoints: [{address: 127.0.0.31}]
                """;
        String routes = """
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: NAME, namespace: shop}
                spec:
                  hosts: [NAME.example.com]
                  tls: [{match: [{port: 443, sniHosts: [NAME.example.com]}], route: [{destination: {host: NAME.example.com}}]}]
                """;
        String sidecar = """
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: frontend, namespace: shop}
                spec:
                  workloadSelector: {labels: {app: frontend}}
                  egress:
                  - {port: {number: 443, protocol: TLS, name: tls}, bind: 127.0.0.1, hosts: ["./*"]}
                """;
        String both = TranslatorTest.SHOP + tls.replace("NAME", "api") + tls.replace("NAME", "pay") + routes.replace("NAME", "api") + routes.replace("NAME", "pay") + sidecar;
        assertThat(TranslatorTest.translate(both, TranslatorTest.FRONTEND).notes()).isEmpty();
        String oneRouted = TranslatorTest.SHOP + tls.replace("NAME", "api") + tls.replace("NAME", "pay") + routes.replace("NAME", "api") + sidecar;
        assertThat(TranslatorTest.translate(oneRouted, TranslatorTest.FRONTEND).notes()).extracting(Diagnostic::format).singleElement().asString()
                .contains("all have port 443").contains("no tls route takes by its server name (pay.example.com)");
    }
}
