package dev.ficus.xds.translate;

import dev.ficus.api.config.Diagnostic;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.snapshot.VirtualHost;
import dev.ficus.xds.snapshot.WeightedCluster;
import dev.ficus.xds.translate.TranslatorTest.Req;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several VirtualServices for one host: merged on a gateway, as Istio merges them there (routes one
 * after the other, oldest first); on sidecars ({@code mesh}) the first read routes the host, and the
 * others are noted rather than dropped in silence (Istio's IST0109).
 */
class VirtualServiceMergeTest {
    static final ProxyIdentity GATEWAY = new ProxyIdentity("gw", "shop", Map.of("istio", "ingressgateway"), null);
    static final ProxyIdentity FRONTEND = new ProxyIdentity("frontend", "shop", Map.of("app", "frontend"), null);

    static final String WEB = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: web, namespace: shop}
            spec:
              hosts: [web.shop.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 8080, name: http, protocol: HTTP}]
              endpoints: [{address: 127.0.0.1}]
            ---
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: shop}
            spec:
              selector: {istio: ingressgateway}
              servers: [{port: {number: 8080, name: http, protocol: HTTP}, hosts: ["*"]}]
            """;

    static String vs(String name, String created, String hosts, String gateways, String prefix, String action) {
        return "---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: " + name + ", namespace: shop"
                + (created == null ? "" : ", creationTimestamp: \"" + created + "\"") + "}\nspec:\n  hosts: " + hosts + "\n  gateways: " + gateways
                + "\n  http:\n  - match: [{uri: {prefix: " + prefix + "}}]\n    " + action + "\n";
    }

    static final String TO_WEB = "route: [{destination: {host: web.shop.svc.cluster.local, port: {number: 8080}}}]";

    @Test
    void virtualServicesForOneHostOnOneGatewayAreMergedInOneVirtualHost() {
        Translation t = TranslatorTest.translate(WEB
                + vs("webvs", null, "[web.example]", "[gw]", "/a", TO_WEB)
                + vs("webvs2", null, "[web.example, other.example]", "[gw]", "/b", "directResponse: {status: 404, body: {string: from-webvs2}}"), GATEWAY);
        assertThat(t.notes()).isEmpty();
        RouteTable table = t.snapshot().routeTables().get("gateway:8080");
        VirtualHost web = table.select("web.example");
        assertThat(web.name()).isEqualTo("web.example:8080");
        assertThat(web.domains()).containsExactly("web.example", "web.example:8080");
        assertThat(((RouteAction.Forward) web.select(new Req("GET", "/a", Map.of())).action()).clusters())
                .containsExactly(new WeightedCluster("outbound|8080||web.shop.svc.cluster.local", 100));
        assertThat(web.select(new Req("GET", "/b", Map.of())).action()).isEqualTo(new RouteAction.DirectResponse(404, "from-webvs2"));
        assertThat(web.select(new Req("GET", "/c", Map.of()))).isNull();
        // webvs2's host of its own keeps its own virtual host, with only its routes
        VirtualHost other = table.select("other.example:8080");
        assertThat(other.name()).isEqualTo("shop/webvs2:8080");
        assertThat(other.select(new Req("GET", "/a", Map.of()))).isNull();
        assertThat(other.select(new Req("GET", "/b", Map.of()))).isNotNull();
    }

    @Test
    void mergedRoutesGoOldestFirstByCreationTimestampThenInTheOrderRead() {
        String first = vs("first", null, "[web.example]", "[gw]", "/", "directResponse: {status: 200, body: {string: first}}");
        String second = vs("second", null, "[web.example]", "[gw]", "/", "directResponse: {status: 200, body: {string: second}}");
        assertThat(catchAll(WEB + first + second)).isEqualTo("first");
        assertThat(catchAll(WEB + second + first)).isEqualTo("second");
        String older = vs("older", "2024-01-01T00:00:00Z", "[web.example]", "[gw]", "/", "directResponse: {status: 200, body: {string: older}}");
        String newer = vs("newer", "2024-06-01T00:00:00Z", "[web.example]", "[gw]", "/", "directResponse: {status: 200, body: {string: newer}}");
        assertThat(catchAll(WEB + newer + older)).isEqualTo("older");
        assertThat(catchAll(WEB + first + older)).as("one with a timestamp before one without").isEqualTo("older");
    }

    private static String catchAll(String yaml) {
        VirtualHost vh = TranslatorTest.translate(yaml, GATEWAY).snapshot().routeTables().get("gateway:8080").select("web.example");
        return ((RouteAction.DirectResponse) vh.select(new Req("GET", "/x", Map.of())).action()).body();
    }

    @Test
    void twoMeshVirtualServicesForOneHostAreNotedNamingBoth() {
        Translation t = TranslatorTest.translate(WEB
                + vs("webvs", null, "[web.shop.svc.cluster.local]", "[mesh]", "/a", TO_WEB)
                + vs("webvs2", null, "[web]", "[mesh]", "/b", "directResponse: {status: 404}"), FRONTEND);
        VirtualHost web = t.snapshot().routeTables().get("outbound").select("web.shop.svc.cluster.local:8080");
        assertThat(web.select(new Req("GET", "/a", Map.of()))).isNotNull();
        assertThat(web.select(new Req("GET", "/b", Map.of()))).as("sidecars take the first one's routes only, as Istio's").isNull();
        assertThat(t.notes()).singleElement().satisfies(n -> {
            assertThat(n.subject()).isEqualTo("VirtualService/webvs2");
            assertThat(n.path()).isEqualTo("spec.hosts");
            assertThat(n.message()).contains("shop/webvs", "shop/webvs2", "web.shop.svc.cluster.local", "IST0109");
        });
    }

    @Test
    void meshVirtualServicesForHostsOutsideTheRegistryAreNotedToo() {
        Translation t = TranslatorTest.translate(WEB
                + vs("a", null, "[api.example]", "[mesh]", "/a", TO_WEB)
                + vs("b", null, "[api.example]", "[mesh]", "/b", TO_WEB), FRONTEND);
        assertThat(t.notes()).extracting(Diagnostic::subject).containsExactly("VirtualService/b");
    }
}
