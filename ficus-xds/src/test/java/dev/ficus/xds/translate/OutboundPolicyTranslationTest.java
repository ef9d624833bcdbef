package dev.ficus.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.api.config.Diagnostic;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.OutboundPolicy;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.VirtualHost;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Istio's outboundTrafficPolicy: ALLOW_ANY unless the proxy's Sidecar says REGISTRY_ONLY; inbound listeners have none. */
class OutboundPolicyTranslationTest {
    static final String SIDECAR = """
            ---
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: frontend, namespace: shop}
            spec:
              workloadSelector: {labels: {app: frontend}}
              egress:
              - port: {number: 9080, protocol: HTTP, name: http}
                hosts: ["./*"]
            """;

    static ListenerConfig listener(Translation t, String name) {
        return t.snapshot().listeners().stream().filter(l -> l.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void withoutAPolicyOutboundListenersPassUnknownHostsThroughAsIstiosDefault() {
        Translation t = TranslatorTest.translate(TranslatorTest.SHOP, TranslatorTest.FRONTEND);
        assertThat(listener(t, "outbound").outbound()).isEqualTo(OutboundPolicy.ALLOW_ANY);
        assertThat(t.snapshot().listeners()).filteredOn(l -> l.kind() != ListenerKind.OUTBOUND).allMatch(l -> l.outbound() == null);
    }

    @Test
    void aSidecarsRegistryOnlyReachesEveryOutboundHttpListener() {
        Translation t = TranslatorTest.translate(TranslatorTest.SHOP + SIDECAR + "  outboundTrafficPolicy: {mode: REGISTRY_ONLY}\n", TranslatorTest.FRONTEND);
        assertThat(listener(t, "outbound").outbound()).isEqualTo(OutboundPolicy.REGISTRY_ONLY);
        assertThat(listener(t, "egress:9080").outbound()).isEqualTo(OutboundPolicy.REGISTRY_ONLY);
        assertThat(t.notes()).isEmpty();
    }

    static final String EGRESS_PROXY = """
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: egress, namespace: shop}
            spec:
              hosts: [egress.shop.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 3128, name: http, protocol: HTTP}]
              endpoints: [{address: 127.0.0.31, labels: {pool: a}}, {address: 127.0.0.32, labels: {pool: b}}]
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: egress, namespace: shop}
            spec:
              host: egress
              trafficPolicy: {connectionPool: {tcp: {maxConnections: 5}}}
              subsets: [{name: a, labels: {pool: a}}]
            """;

    static Route catchAll(Translation t, String table) {
        VirtualHost vh = t.snapshot().routeTables().get(table).select("api.example.com:443");
        assertThat(vh).as("a virtual host for hosts outside the registry in " + table).isNotNull();
        assertThat(vh.domains()).containsExactly("*");
        return vh.routes().getFirst();
    }

    @Test
    void anEgressProxyTakesEveryHostOutsideTheRegistryOnEveryOutboundTable() {
        Translation t = TranslatorTest.translate(TranslatorTest.SHOP + EGRESS_PROXY + SIDECAR
                + "  outboundTrafficPolicy: {mode: ALLOW_ANY, egressProxy: {host: egress, subset: a, port: {number: 3128}}}\n", TranslatorTest.FRONTEND);
        String cluster = "outbound|3128|a|egress.shop.svc.cluster.local";
        for (String table : List.of("outbound", "egress:9080")) {
            Route r = catchAll(t, table);
            assertThat(r.name()).isEqualTo("allow_any");
            assertThat(r.action()).isEqualTo(RouteAction.Forward.to(cluster));
            assertThat(r.timeout()).as("no timeout, as Istio's allow_any route").isZero();
            assertThat(r.policies().retry().enabled()).as("no retries either").isFalse();
        }
        // resolved like any route destination: the subset's endpoints and the rule's policy
        ClusterConfig c = t.snapshot().clusters().get(cluster);
        assertThat(c.endpoints()).extracting(e -> e.address().host()).containsExactly("127.0.0.31");
        assertThat(c.limits().maxConnections()).isEqualTo(5);
        // registry hosts keep their own routes; the listeners keep ALLOW_ANY
        assertThat(t.snapshot().routeTables().get("outbound").select("reviews.shop.svc.cluster.local").name()).startsWith("reviews.shop.svc.cluster.local");
        assertThat(listener(t, "outbound").outbound()).isEqualTo(OutboundPolicy.ALLOW_ANY);
        assertThat(t.notes()).isEmpty();
    }

    @Test
    void withoutAnEgressProxyHostsOutsideTheRegistryHaveNoVirtualHost() {
        Translation t = TranslatorTest.translate(TranslatorTest.SHOP + EGRESS_PROXY + SIDECAR + "  outboundTrafficPolicy: {mode: ALLOW_ANY}\n", TranslatorTest.FRONTEND);
        assertThat(t.snapshot().routeTables().get("outbound").select("api.example.com")).as("left to the passthrough cluster").isNull();
    }

    @Test
    void anEgressProxyOutsideTheRegistryFailsClosedWithANote() {
        Translation t = TranslatorTest.translate(TranslatorTest.SHOP + SIDECAR
                + "  outboundTrafficPolicy: {mode: ALLOW_ANY, egressProxy: {host: squid.corp.example, port: {number: 3128}}}\n", TranslatorTest.FRONTEND);
        Route r = catchAll(t, "outbound");
        String cluster = "outbound|3128||squid.corp.example";
        assertThat(r.action()).isEqualTo(RouteAction.Forward.to(cluster));
        assertThat(t.snapshot().clusters().get(cluster).endpoints()).as("503 UH, never the direct path").isEmpty();
        assertThat(t.notes()).extracting(Diagnostic::format)
                .anyMatch(n -> n.contains("spec.outboundTrafficPolicy.egressProxy.host") && n.contains("not a service of the registry"));
    }
}
