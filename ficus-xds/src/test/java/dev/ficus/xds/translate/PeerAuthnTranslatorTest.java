package dev.ficus.xds.translate;

import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.validate.Validator;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.MtlsMode;
import dev.ficus.xds.snapshot.ProxySnapshot;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** PeerAuthentication → the mTLS mode of each inbound listener, with Istio's precedence. */
class PeerAuthnTranslatorTest {

    static final String SIDECAR = """
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: reviews, namespace: shop}
            spec:
              workloadSelector: {labels: {app: reviews}}
              ingress:
              - {port: {number: 9080, protocol: HTTP, name: http}, defaultEndpoint: "127.0.0.1:19080"}
              - {port: {number: 9090, protocol: TCP, name: tcp}, defaultEndpoint: "127.0.0.1:19090"}
            """;

    static Map<Integer, MtlsMode> modes(String policies) {
        ConfigLoader.Result r = Validator.loadAndValidateString("t.yaml", SIDECAR + (policies.isEmpty() ? "" : "---\n" + policies));
        assertThat(r.hasErrors()).as(r.diagnostics().toString()).isFalse();
        ProxySnapshot s = Translator.translate(Validator.effective(r.config()), new ProxyIdentity("reviews-v1", "shop", Map.of("app", "reviews"), null),
                TranslateOptions.DEFAULTS.withOutboundPort(-1)).snapshot();
        Map<Integer, MtlsMode> out = new java.util.TreeMap<>();
        for (ListenerConfig l : s.listeners()) {
            if (l.kind() == ListenerKind.INBOUND) out.put(l.bind().port(), l.mtls());
            else assertThat(l.mtls()).isEqualTo(MtlsMode.DISABLE);
        }
        return out;
    }

    static String pa(String ns, String selector, String mode, String portLevel) {
        return "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: p-" + Math.abs((ns + selector + mode + portLevel).hashCode()) + ", namespace: " + ns + "}\nspec:\n"
                + (selector == null ? "" : "  selector: {matchLabels: {" + selector + "}}\n")
                + (mode == null ? "" : "  mtls: {mode: " + mode + "}\n")
                + (portLevel == null ? "" : "  portLevelMtls: {" + portLevel + "}\n");
    }

    @Test
    void withoutAnyPolicyInboundPortsArePermissive() {
        assertThat(modes("")).containsExactly(Map.entry(9080, MtlsMode.PERMISSIVE), Map.entry(9090, MtlsMode.PERMISSIVE));
    }

    @Test
    void theMostSpecificScopeWins() {
        String mesh = pa("istio-system", null, "STRICT", null);
        assertThat(modes(mesh)).containsValues(MtlsMode.STRICT).doesNotContainValue(MtlsMode.PERMISSIVE);
        String ns = pa("shop", null, "PERMISSIVE", null);
        assertThat(modes(mesh + "---\n" + ns)).containsExactly(Map.entry(9080, MtlsMode.PERMISSIVE), Map.entry(9090, MtlsMode.PERMISSIVE));
        String workload = pa("shop", "app: reviews", "STRICT", "9090: {mode: DISABLE}");
        assertThat(modes(mesh + "---\n" + ns + "---\n" + workload)).containsExactly(Map.entry(9080, MtlsMode.STRICT), Map.entry(9090, MtlsMode.DISABLE));
    }

    @Test
    void unsetInheritsAndOtherNamespacesAndSelectorsDoNotApply() {
        String ns = pa("shop", null, "STRICT", null);
        String unset = pa("shop", "app: reviews", "UNSET", null);
        assertThat(modes(ns + "---\n" + unset)).containsExactly(Map.entry(9080, MtlsMode.STRICT), Map.entry(9090, MtlsMode.STRICT));
        String elsewhere = pa("billing", null, "STRICT", null);
        String otherApp = pa("shop", "app: ratings", "STRICT", null);
        assertThat(modes(elsewhere + "---\n" + otherApp)).containsExactly(Map.entry(9080, MtlsMode.PERMISSIVE), Map.entry(9090, MtlsMode.PERMISSIVE));
    }
}
