package dev.ficus.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.api.config.Diagnostic;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.OutboundPolicy;
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

    @Test
    void anEgressProxyIsNotedAsNotApplied() {
        Translation t = TranslatorTest.translate(TranslatorTest.SHOP + SIDECAR
                + "  outboundTrafficPolicy: {mode: ALLOW_ANY, egressProxy: {host: egress.shop.svc.cluster.local, port: {number: 3128}}}\n", TranslatorTest.FRONTEND);
        assertThat(listener(t, "outbound").outbound()).isEqualTo(OutboundPolicy.ALLOW_ANY);
        assertThat(t.notes()).extracting(Diagnostic::format).anyMatch(n -> n.contains("spec.outboundTrafficPolicy.egressProxy") && n.contains("not applied"));
    }
}
