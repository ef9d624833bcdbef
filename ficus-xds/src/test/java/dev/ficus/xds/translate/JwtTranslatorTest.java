package dev.ficus.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.xds.snapshot.JwtPolicies;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.wire.SnapshotCodec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which RequestAuthentications reach which listeners, and what the proxy is given for them. */
class JwtTranslatorTest {

    static final String MESH = AuthzTranslatorTest.MESH + """
            ---
            apiVersion: security.istio.io/v1
            kind: RequestAuthentication
            metadata: {name: mesh-jwt, namespace: istio-system}
            spec:
              jwtRules:
              - issuer: https://accounts.example.com
                jwksUri: https://accounts.example.com/.well-known/jwks.json
            ---
            apiVersion: security.istio.io/v1
            kind: RequestAuthentication
            metadata: {name: frontend-jwt, namespace: shop}
            spec:
              selector: {matchLabels: {app: frontend}}
              jwtRules:
              - issuer: https://shop.example
                audiences: [shop]
                jwks: '{"keys": [{"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"}]}'
                fromHeaders: [{name: x-jwt-assertion}]
                fromCookies: [session]
                outputPayloadToHeader: x-jwt-payload
                outputClaimToHeaders: [{header: x-jwt-team, claim: org.team}]
                forwardOriginalToken: true
                timeout: 3s
            ---
            apiVersion: security.istio.io/v1
            kind: RequestAuthentication
            metadata: {name: reviews-jwt, namespace: shop}
            spec:
              selector: {matchLabels: {app: reviews}}
              jwtRules: [{issuer: https://reviews.example, jwksUri: https://reviews.example/jwks}]
            ---
            apiVersion: security.istio.io/v1
            kind: RequestAuthentication
            metadata: {name: no-keys, namespace: other}
            spec:
              jwtRules: [{issuer: https://other.example}]
            """;

    static List<String> issuers(ListenerConfig l) {
        return l.jwt().rules().stream().map(JwtPolicies.Rule::issuer).toList();
    }

    @Test
    void rulesOfTheRootNamespaceAndOfMatchingPoliciesReachInboundAndGatewayListenersWithIstiosDefaults() {
        Translation t = TranslatorTest.translate(MESH, TranslatorTest.FRONTEND);
        ProxySnapshot s = t.snapshot();
        ListenerConfig in = AuthzTranslatorTest.listener(s, "inbound:15006");
        assertThat(issuers(in)).containsExactly("https://accounts.example.com", "https://shop.example");
        JwtPolicies.Rule mesh = in.jwt().rules().getFirst();
        assertThat(mesh).isEqualTo(new JwtPolicies.Rule("istio-system/mesh-jwt", "https://accounts.example.com", List.of(), null,
                "https://accounts.example.com/.well-known/jwks.json", Duration.ofSeconds(5),
                List.of(new JwtPolicies.FromHeader("Authorization", "Bearer ")), List.of("access_token"), List.of(), null, List.of(), false));
        JwtPolicies.Rule shop = in.jwt().rules().get(1);
        assertThat(shop.fromHeaders()).containsExactly(new JwtPolicies.FromHeader("x-jwt-assertion", ""));
        assertThat(shop.fromParams()).isEmpty();
        assertThat(shop.fromCookies()).containsExactly("session");
        assertThat(shop.audiences()).containsExactly("shop");
        assertThat(shop.jwks()).contains("P-256");
        assertThat(shop.jwksUri()).isNull();
        assertThat(shop.outputClaimToHeaders()).containsExactly(new JwtPolicies.ClaimToHeader("x-jwt-team", "org.team"));
        assertThat(shop.outputPayloadToHeader()).isEqualTo("x-jwt-payload");
        assertThat(shop.forwardOriginalToken()).isTrue();
        assertThat(shop.fetchTimeout()).isEqualTo(Duration.ofSeconds(3));

        assertThat(AuthzTranslatorTest.listener(s, "egress:9080").jwt()).isSameAs(JwtPolicies.NONE);
        assertThat(AuthzTranslatorTest.listener(s, "outbound").jwt()).isSameAs(JwtPolicies.NONE);
        assertThat(in.authz().isEmpty()).isFalse(); // carried through beside authorization and mTLS

        ProxySnapshot gw = TranslatorTest.translate(MESH, new ProxyIdentity("gw", "shop", Map.of("istio", "ingressgateway"), null)).snapshot();
        assertThat(issuers(AuthzTranslatorTest.listener(gw, "gateway:8080"))).containsExactly("https://accounts.example.com");
    }

    @Test
    void aRuleWithoutKeysIsKeptSoItsTokensAreRefusedAndIsNoted() {
        Translation t = TranslatorTest.translate(MESH + """
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: edge2, namespace: other}
                spec:
                  selector: {istio: other}
                  servers: [{port: {number: 8081, name: http, protocol: HTTP}, hosts: ["*"]}]
                """, new ProxyIdentity("gw", "other", Map.of("istio", "other"), null));
        ListenerConfig l = AuthzTranslatorTest.listener(t.snapshot(), "gateway:8081");
        assertThat(issuers(l)).containsExactly("https://accounts.example.com", "https://other.example");
        assertThat(l.jwt().rules().get(1).jwks()).isNull();
        assertThat(l.jwt().rules().get(1).jwksUri()).isNull();
        assertThat(t.notes()).anySatisfy(d -> assertThat(d.toString()).contains("spec.jwtRules[0]").contains("OpenID"));
    }

    @Test
    void noPolicyMeansNone() {
        ProxySnapshot s = TranslatorTest.translate(TranslatorTest.SHOP, TranslatorTest.FRONTEND).snapshot();
        assertThat(s.listeners()).allSatisfy(l -> assertThat(l.jwt()).isSameAs(JwtPolicies.NONE));
    }

    @Test
    void aSnapshotWithJwtPoliciesSurvivesTheWire() {
        ProxySnapshot s = TranslatorTest.translate(MESH, TranslatorTest.FRONTEND).snapshot();
        ProxySnapshot back = SnapshotCodec.decodeSnapshot(SnapshotCodec.encodeSnapshot(s));
        assertThat(back).isEqualTo(s);
        assertThat(AuthzTranslatorTest.listener(back, "inbound:15006").jwt().rules()).hasSize(2);
    }
}
