package dev.ficus.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ficus.api.config.Diagnostic;
import dev.ficus.xds.snapshot.AuthzPolicies;
import dev.ficus.xds.snapshot.AuthzPolicies.Action;
import dev.ficus.xds.snapshot.HostPort;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.ListenerProtocol;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.snapshot.TcpRouteTable;
import dev.ficus.xds.wire.SnapshotCodec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which AuthorizationPolicies reach which listeners, and what the proxy is given for them. */
class AuthzTranslatorTest {

    static final String MESH = TranslatorTest.SHOP + """
            ---
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: frontend, namespace: shop}
            spec:
              workloadSelector: {labels: {app: frontend}}
              ingress: [{port: {number: 15006, protocol: HTTP, name: http}, defaultEndpoint: 127.0.0.1:8080}]
              egress: [{port: {number: 9080, protocol: HTTP, name: http}, bind: 127.0.0.1, hosts: [shop/reviews.shop.svc.cluster.local]}]
            ---
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: edge, namespace: shop}
            spec:
              selector: {istio: ingressgateway}
              servers: [{port: {number: 8080, name: http, protocol: HTTP}, hosts: ["*"]}]
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: mesh-deny, namespace: istio-system}
            spec:
              action: DENY
              rules: [{from: [{source: {ipBlocks: [203.0.113.0/24]}}]}]
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: mesh-frontend, namespace: istio-system}
            spec:
              selector: {matchLabels: {app: frontend}}
              action: AUDIT
              rules: [{}]
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: shop-wide, namespace: shop}
            spec:
              rules:
              - to: [{operation: {methods: [GET], paths: [/api/*], ports: ["15006"]}}]
                when: [{key: "request.headers[x-user]", values: [alice]}]
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: frontend-only, namespace: shop}
            spec:
              selector: {matchLabels: {app: frontend}}
              rules: [{from: [{source: {namespaces: [shop], notIpBlocks: ["2001:db8::/32"]}}]}]
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: reviews-only, namespace: shop}
            spec:
              selector: {matchLabels: {app: reviews}}
              action: DENY
              rules: [{}]
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: elsewhere, namespace: other}
            spec:
              action: DENY
              rules: [{}]
            """;

    static ListenerConfig listener(ProxySnapshot s, String name) {
        return s.listeners().stream().filter(l -> l.name().equals(name)).findFirst().orElseThrow();
    }

    static List<String> names(ListenerConfig l) {
        return l.authz().policies().stream().map(AuthzPolicies.Policy::name).toList();
    }

    @Test
    void rootNamespaceSelectorAndNamespaceDecideWhichPoliciesApply() {
        ProxySnapshot s = TranslatorTest.translate(MESH, TranslatorTest.FRONTEND).snapshot();
        assertThat(names(listener(s, "inbound:15006")))
                .containsExactly("istio-system/mesh-deny", "istio-system/mesh-frontend", "shop/shop-wide", "shop/frontend-only");
        AuthzPolicies.Policy wide = listener(s, "inbound:15006").authz().policies().get(2);
        assertThat(wide.action()).isEqualTo(Action.ALLOW);
        assertThat(wide.rules()).containsExactly(new AuthzPolicies.Rule(List.of(),
                List.of(new AuthzPolicies.Operation(null, null, List.of(15006), null, List.of("GET"), null, List.of("/api/*"), null)),
                List.of(new AuthzPolicies.Condition("request.headers[x-user]", List.of("alice"), null))));
    }

    @Test
    void onlyInboundAndGatewayListenersEnforce() {
        ProxySnapshot s = TranslatorTest.translate(MESH, TranslatorTest.FRONTEND).snapshot();
        assertThat(listener(s, "egress:9080").authz()).isEqualTo(AuthzPolicies.NONE);
        assertThat(listener(s, "outbound").authz()).isEqualTo(AuthzPolicies.NONE);

        ProxySnapshot gw = TranslatorTest.translate(MESH, new ProxyIdentity("gw", "shop", Map.of("istio", "ingressgateway"), null)).snapshot();
        assertThat(listener(gw, "gateway:8080").kind()).isEqualTo(ListenerKind.GATEWAY);
        assertThat(names(listener(gw, "gateway:8080"))).containsExactly("istio-system/mesh-deny", "shop/shop-wide");
        assertThat(listener(gw, "outbound").authz().isEmpty()).isTrue();
    }

    @Test
    void aProxyInAnotherNamespaceGetsOnlyTheRootNamespacesPolicies() {
        ProxySnapshot s = TranslatorTest.translate(MESH + """
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: edge2, namespace: lobby}
                spec:
                  selector: {istio: lobby}
                  servers: [{port: {number: 8081, name: http, protocol: HTTP}, hosts: ["*"]}]
                """, new ProxyIdentity("gw", "lobby", Map.of("istio", "lobby"), null)).snapshot();
        assertThat(names(listener(s, "gateway:8081"))).containsExactly("istio-system/mesh-deny");
    }

    @Test
    void noPolicyMeansNone() {
        ProxySnapshot s = TranslatorTest.translate(TranslatorTest.SHOP, TranslatorTest.FRONTEND).snapshot();
        assertThat(s.listeners()).allSatisfy(l -> assertThat(l.authz()).isSameAs(AuthzPolicies.NONE));
    }

    @Test
    void whatTheProxyCannotEnforceNeverWidensAccess() {
        String yaml = MESH + """
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: allow-filter, namespace: shop}
                spec:
                  rules:
                  - when: [{key: "experimental.envoy.filters.network.mysql_proxy[db.table]", values: [x]}]
                  - to: [{operation: {paths: [/ok]}}]
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: deny-filter, namespace: shop}
                spec:
                  action: DENY
                  rules:
                  - to: [{operation: {paths: [/admin/*]}}]
                    when: [{key: "experimental.envoy.filters.network.mysql_proxy[db.table]", values: [x]}]
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: allow-sa, namespace: shop}
                spec:
                  rules: [{from: [{source: {serviceAccounts: [shop/web]}}]}]
                """;
        Translation t = TranslatorTest.translate(yaml, TranslatorTest.FRONTEND);
        ListenerConfig in = listener(t.snapshot(), "inbound:15006");
        AuthzPolicies.Policy allowFilter = policy(in, "shop/allow-filter");
        assertThat(allowFilter.rules()).as("the rule with the unknown key is dropped; the other stays")
                .containsExactly(new AuthzPolicies.Rule(List.of(), List.of(new AuthzPolicies.Operation(null, null, null, null, null, null, List.of("/ok"), null)), List.of()));
        AuthzPolicies.Policy denyFilter = policy(in, "shop/deny-filter");
        assertThat(denyFilter.rules()).as("the DENY rule keeps matching /admin/* without the condition")
                .containsExactly(new AuthzPolicies.Rule(List.of(), List.of(new AuthzPolicies.Operation(null, null, null, null, null, null, List.of("/admin/*"), null)), List.of()));
        assertThat(policy(in, "shop/allow-sa").rules()).as("an ALLOW policy left without rules allows nothing").isEmpty();
        assertThat(t.notes()).extracting(Diagnostic::path)
                .contains("spec.rules[0].when[0].key", "spec.rules[0].from[0].source.serviceAccounts");
    }

    @Test
    void customPoliciesAreEnforcedAsDeny() {
        String yaml = MESH + """
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: ext, namespace: shop}
                spec:
                  action: CUSTOM
                  provider: {name: opa}
                  rules: [{to: [{operation: {paths: [/admin/*]}}]}]
                """;
        Translation t = TranslatorTest.translate(yaml, TranslatorTest.FRONTEND);
        assertThat(policy(listener(t.snapshot(), "inbound:15006"), "shop/ext").action()).isEqualTo(Action.DENY);
        assertThat(t.notes()).anySatisfy(n -> assertThat(n.path()).isEqualTo("spec.action"));
    }

    @Test
    void snapshotsWithPoliciesSurviveTheWire() {
        ProxySnapshot s = TranslatorTest.translate(MESH, TranslatorTest.FRONTEND).snapshot();
        assertThat(SnapshotCodec.decodeSnapshot(SnapshotCodec.encodeSnapshot(s))).isEqualTo(s);

        AuthzPolicies every = new AuthzPolicies(List.of(
                new AuthzPolicies.Policy("ns/all", Action.DENY, List.of(new AuthzPolicies.Rule(
                        List.of(new AuthzPolicies.Source(List.of("cluster.local/ns/a/sa/*"), List.of("*/sa/b"), List.of("*"), List.of("iss/sub"),
                                List.of("a"), List.of("b*"), List.of("10.0.0.0/8"), List.of("2001:db8::/32"), List.of("192.0.2.1"), List.of("::1"))),
                        List.of(new AuthzPolicies.Operation(List.of("*.example.com"), List.of("EXAMPLE.org:8080"), List.of(80), List.of(443),
                                List.of("GET"), List.of("POST"), List.of("/api/*"), List.of("*.js"))),
                        List.of(new AuthzPolicies.Condition("destination.port", List.of("80"), List.of("81")),
                                new AuthzPolicies.Condition("request.auth.claims[groups]", List.of("admin"), null))))),
                new AuthzPolicies.Policy("ns/nothing", Action.ALLOW, List.of()),
                new AuthzPolicies.Policy("ns/audit", Action.AUDIT, List.of(AuthzPolicies.Rule.ANY))));
        ProxySnapshot hand = ProxySnapshot.builder("1")
                .listener(new ListenerConfig("in", new HostPort("127.0.0.1", 15006), ListenerKind.INBOUND, ListenerProtocol.AUTO, "in", TcpRouteTable.EMPTY, every))
                .routeTable(new RouteTable("in", List.of()))
                .build();
        assertThat(SnapshotCodec.decodeSnapshot(SnapshotCodec.encodeSnapshot(hand))).isEqualTo(hand);
    }

    @Test
    void theSnapshotRefusesWhatTheProxyCouldNotMatch() {
        assertThatThrownBy(() -> new AuthzPolicies.Source(null, null, null, null, null, null, List.of("10.0.0.300/8"), null, null, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AuthzPolicies.Operation(null, null, List.of(0), null, null, null, null, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AuthzPolicies.Operation(null, null, null, null, null, null, List.of("/a*b"), null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AuthzPolicies.Condition("experimental.envoy.filters.x", List.of("y"), null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    static AuthzPolicies.Policy policy(ListenerConfig l, String name) {
        return l.authz().policies().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }
}
