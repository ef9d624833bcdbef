package dev.ficus.xds.translate;

import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.VirtualHost;
import dev.ficus.xds.snapshot.WeightedCluster;
import dev.ficus.xds.translate.TranslatorTest.Req;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A wildcard ServiceEntry ({@code *.wild.test}, resolution NONE) and the VirtualService for the
 * same wildcard host, Istio's egress-control pair: the VirtualService's routes serve the wildcard
 * service's virtual host, and what they forward to the service goes to each request's original
 * destination (the passthrough).
 */
class WildcardServiceTranslationTest {
    static final ProxyIdentity CLIENT = new ProxyIdentity("client", "default", Map.of("app", "client"), null);

    static final String SERVICE = """
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: wild, namespace: default}
            spec:
              hosts: ["*.wild.test"]
              location: MESH_EXTERNAL
              resolution: NONE
              ports: [{number: 80, name: http, protocol: HTTP}]
            """;

    static final String ROUTES = """
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: wild, namespace: default}
            spec:
              hosts: ["*.wild.test"]
              http:
              - match: [{uri: {prefix: /blocked}}]
                directResponse: {status: 403}
              - route: [{destination: {host: "*.wild.test"}}]
            """;

    @Test
    void theVirtualServiceOfAWildcardServiceRoutesItsHosts() {
        Translation t = TranslatorTest.translate(SERVICE + ROUTES, CLIENT);
        assertThat(t.notes()).isEmpty();
        VirtualHost vh = t.snapshot().routeTables().get("outbound").select("a.wild.test");
        assertThat(vh).as("a virtual host for *.wild.test").isNotNull();
        assertThat(vh.domains()).contains("*.wild.test", "*.wild.test:80");
        assertThat(t.snapshot().routeTables().get("outbound").select("b.wild.test:80")).isSameAs(vh);
        assertThat(vh.select(new Req("GET", "/blocked/x", Map.of())).action()).isEqualTo(new RouteAction.DirectResponse(403, ""));
        assertThat(((RouteAction.Forward) vh.select(new Req("GET", "/ok", Map.of())).action()).clusters())
                .as("resolution NONE: the original destination").containsExactly(new WeightedCluster(ClusterConfig.PASSTHROUGH, 100));
        assertThat(t.snapshot().clusters()).doesNotContainKey("outbound|80||*.wild.test");
    }

    @Test
    void addingTheServiceEntryKeepsWhatTheVirtualServiceAloneDid() {
        VirtualHost alone = TranslatorTest.translate(ROUTES.replace("- route: [{destination: {host: \"*.wild.test\"}}]",
                "- directResponse: {status: 200}"), CLIENT).snapshot().routeTables().get("outbound").select("a.wild.test");
        VirtualHost with = TranslatorTest.translate(SERVICE + ROUTES, CLIENT).snapshot().routeTables().get("outbound").select("a.wild.test");
        assertThat(alone.select(new Req("GET", "/blocked", Map.of())).action()).isEqualTo(new RouteAction.DirectResponse(403, ""));
        assertThat(with.select(new Req("GET", "/blocked", Map.of())).action()).isEqualTo(new RouteAction.DirectResponse(403, ""));
    }

    @Test
    void aWildcardServiceWithoutAVirtualServiceIsLeftToThePassthroughAsBefore() {
        Translation t = TranslatorTest.translate(SERVICE, CLIENT);
        assertThat(t.snapshot().routeTables().get("outbound").select("a.wild.test")).isNull();
    }

    @Test
    void aWildcardServiceWithEndpointsKeepsItsCluster() {
        Translation t = TranslatorTest.translate(SERVICE.replace("resolution: NONE", "resolution: STATIC\n  endpoints: [{address: 127.0.0.9}]") + ROUTES, CLIENT);
        VirtualHost vh = t.snapshot().routeTables().get("outbound").select("a.wild.test");
        assertThat(((RouteAction.Forward) vh.select(new Req("GET", "/ok", Map.of())).action()).clusters())
                .containsExactly(new WeightedCluster("outbound|80||*.wild.test", 100));
        assertThat(t.snapshot().clusters().get("outbound|80||*.wild.test").endpoints()).hasSize(1);
    }
    /**
     * On a Sidecar's TCP egress port a connection names no host (the proxy does not read the
     * original destination address), so a {@code tls[]} route to the wildcard service cannot pass
     * it on: the translator says so, while the same route reached by CONNECT goes to the
     * passthrough.
     */
    @Test
    void aTlsRouteToTheWildcardServiceOnATcpPortIsNotedAndItsConnectRouteGoesToThePassthrough() {
        String yaml = """
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: wild, namespace: default}
                spec:
                  hosts: ["*.wild.test"]
                  location: MESH_EXTERNAL
                  resolution: NONE
                  ports: [{number: 9443, name: tls, protocol: TLS}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: wild, namespace: default}
                spec:
                  hosts: ["*.wild.test"]
                  tls:
                  - match: [{sniHosts: ["*.wild.test"]}]
                    route: [{destination: {host: "*.wild.test"}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default, namespace: default}
                spec:
                  egress:
                  - port: {number: 9443, protocol: TLS, name: tls}
                    hosts: ["./*"]
                  - hosts: ["./*"]
                """;
        Translation t = TranslatorTest.translate(yaml, CLIENT);
        assertThat(t.notes()).anySatisfy(n -> assertThat(n.format()).contains("spec.tls[0].route[0].destination.host", "names none", "UH"));
        VirtualHost vh = t.snapshot().routeTables().get("outbound").select("a.wild.test:9443");
        assertThat(vh).isNotNull();
        assertThat(((RouteAction.Forward) vh.select(new Req("CONNECT", "/", Map.of("host", "a.wild.test:9443"))).action()).clusters())
                .containsExactly(new WeightedCluster(ClusterConfig.PASSTHROUGH, 100));
    }
}
