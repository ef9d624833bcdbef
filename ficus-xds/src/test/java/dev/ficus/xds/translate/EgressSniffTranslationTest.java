package dev.ficus.xds.translate;

import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerProtocol;
import dev.ficus.xds.snapshot.ProxySnapshot;
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
}
