package dev.ficus.control.assess;

import dev.ficus.api.Kind;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.security.PeerAuthentication;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.translate.ProxyIdentity;
import dev.ficus.xds.translate.TranslateOptions;
import dev.ficus.xds.translate.Translator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The assessment's PeerAuthentication modes are the ones the translator gives each inbound
 * listener: the same configs through both, port by port, and the policy each one names.
 */
class PeerAuthModesTest {
    static final String SIDECAR = """
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: reviews, namespace: shop}
            spec:
              workloadSelector: {labels: {app: reviews}}
              ingress:
              - {port: {number: 9080, protocol: HTTP, name: http}, defaultEndpoint: "127.0.0.1:19080"}
              - {port: {number: 9090, protocol: TCP, name: tcp}, defaultEndpoint: "127.0.0.1:19090"}
            ---
            """;

    static String pa(String name, String ns, String selector, String mode, String portLevel) {
        return "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: " + name + ", namespace: " + ns + "}\nspec:\n"
                + (selector == null ? "" : "  selector: {matchLabels: {" + selector + "}}\n")
                + (mode == null ? "" : "  mtls: {mode: " + mode + "}\n")
                + (portLevel == null ? "" : "  portLevelMtls: {" + portLevel + "}\n") + "---\n";
    }

    static final String[] CASES = {
            "",
            pa("mesh", "istio-system", null, "STRICT", null),
            pa("mesh", "istio-system", null, "STRICT", null) + pa("ns", "shop", null, "PERMISSIVE", null),
            pa("mesh", "istio-system", null, "STRICT", null) + pa("ns", "shop", null, "PERMISSIVE", null)
                    + pa("wl", "shop", "app: reviews", "STRICT", "9090: {mode: DISABLE}"),
            pa("ns", "shop", null, "STRICT", null) + pa("unset", "shop", "app: reviews", "UNSET", null),
            pa("ns", "shop", null, "DISABLE", null) + pa("ports", "shop", "app: reviews", null, "9080: {mode: STRICT}"),
            pa("elsewhere", "billing", null, "STRICT", null) + pa("other", "shop", "app: ratings", "STRICT", null),
            pa("root-selector", "istio-system", "app: reviews", "STRICT", null) + pa("mesh", "istio-system", null, "DISABLE", null),
    };

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7})
    void modesMatchTheTranslatorsInboundListeners(int c) {
        ConfigSet config = AssessSamples.config(SIDECAR + CASES[c]);
        Map<String, String> labels = Map.of("app", "reviews");
        var snapshot = Translator.translate(config, new ProxyIdentity("reviews-v1", "shop", labels, null),
                TranslateOptions.DEFAULTS.withOutboundPort(-1)).snapshot();
        var policies = config.all(Kind.PEER_AUTHENTICATION, PeerAuthentication.class);
        Assessment.PeerAuth whole = PeerAuthModes.of(config, "shop", labels);
        int inbound = 0;
        for (ListenerConfig l : snapshot.listeners()) {
            if (l.kind() != ListenerKind.INBOUND) continue;
            inbound++;
            int port = l.bind().port();
            assertThat(PeerAuthModes.resolve(policies, "shop", labels, port).mode().name()).as("port " + port).isEqualTo(l.mtls().name());
            assertThat(whole.ports().getOrDefault(port, whole.mode())).as("port " + port).isEqualTo(l.mtls().name());
        }
        assertThat(inbound).isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3, 5})
    void theModeNamesThePolicyThatSetsIt(int c) {
        Assessment.PeerAuth p = PeerAuthModes.of(AssessSamples.config(SIDECAR + CASES[c]), "shop", Map.of("app", "reviews"));
        switch (c) {
            case 0 -> assertThat(p).isEqualTo(new Assessment.PeerAuth("PERMISSIVE", "default", Map.of()));
            case 3 -> assertThat(p).isEqualTo(new Assessment.PeerAuth("STRICT", "shop/wl", Map.of(9090, "DISABLE")));
            default -> assertThat(p).isEqualTo(new Assessment.PeerAuth("DISABLE", "shop/ns", Map.of(9080, "STRICT")));
        }
    }
}
