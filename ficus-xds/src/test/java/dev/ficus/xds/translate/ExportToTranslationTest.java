package dev.ficus.xds.translate;

import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.config.Diagnostic;
import dev.ficus.api.validate.Validator;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.VirtualHost;
import dev.ficus.xds.translate.TranslatorTest.Req;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code exportTo} on ServiceEntry, VirtualService and DestinationRule: a proxy's view holds only
 * what is exported to its namespace, as Istio's; and the translation cache never hands a proxy of
 * one namespace a piece computed for another where what they see differs.
 */
class ExportToTranslationTest {
    static final ProxyIdentity IN_DEFAULT = new ProxyIdentity("client", "default", Map.of("app", "client"), null);
    static final ProxyIdentity IN_OTHER = new ProxyIdentity("peer", "other", Map.of("app", "peer"), null);
    static final ProxyIdentity IN_THIRD = new ProxyIdentity("third", "third", Map.of("app", "third"), null);

    static String serviceEntry(String name, String exportTo) {
        return "---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: " + name + ", namespace: other}\nspec:\n"
                + "  hosts: [" + name + ".other.svc.cluster.local]\n  location: MESH_INTERNAL\n  resolution: STATIC\n"
                + "  ports: [{number: 8080, name: http, protocol: HTTP}]\n  endpoints: [{address: 127.0.0.1}]\n"
                + (exportTo == null ? "" : "  exportTo: " + exportTo + "\n");
    }

    static final String VS = """
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: api, namespace: other}
            spec:
              hosts: [api]
              exportTo: ["."]
              http:
              - match: [{uri: {prefix: /private}}]
                directResponse: {status: 403}
              - route: [{destination: {host: api}}]
            """;

    static final String DR = """
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: api, namespace: other}
            spec:
              host: api
              exportTo: ["."]
              trafficPolicy: {connectionPool: {tcp: {maxConnections: 7}}}
            """;

    static ConfigSet load(String yaml) {
        ConfigLoader.Result r = Validator.loadAndValidateString("mesh.yaml", yaml);
        assertThat(r.diagnostics().stream().filter(Diagnostic::isError).map(Diagnostic::format)).isEmpty();
        return Validator.effective(r.config());
    }

    static VirtualHost outbound(Translation t, String authority) {
        return t.snapshot().routeTables().get("outbound").select(authority);
    }

    @Test
    void aServiceEntryExportedToItsNamespaceIsNotServedToAnotherNamespace() {
        String yaml = serviceEntry("api", "[\".\"]") + serviceEntry("open", null) + serviceEntry("listed", "[default]") + serviceEntry("hidden", "[\"~\"]");
        Translation fromDefault = TranslatorTest.translate(yaml, IN_DEFAULT);
        assertThat(outbound(fromDefault, "api.other.svc.cluster.local:8080")).as("exported to other only").isNull();
        assertThat(fromDefault.snapshot().clusters()).doesNotContainKey("outbound|8080||api.other.svc.cluster.local");
        assertThat(outbound(fromDefault, "open.other.svc.cluster.local:8080")).isNotNull();
        assertThat(outbound(fromDefault, "listed.other.svc.cluster.local:8080")).isNotNull();
        assertThat(outbound(fromDefault, "hidden.other.svc.cluster.local:8080")).isNull();

        Translation fromOther = TranslatorTest.translate(yaml, IN_OTHER);
        assertThat(outbound(fromOther, "api:8080")).isNotNull();
        assertThat(outbound(fromOther, "listed:8080")).as("listed for default only").isNull();
        assertThat(outbound(fromOther, "hidden:8080")).as("~: no namespace, its own neither").isNull();

        Translation fromThird = TranslatorTest.translate(yaml, IN_THIRD);
        assertThat(outbound(fromThird, "listed.other.svc.cluster.local:8080")).isNull();
        assertThat(outbound(fromThird, "open.other.svc.cluster.local:8080")).isNotNull();
    }

    @Test
    void aVirtualServiceExportedToItsNamespaceDoesNotRouteCallersOfAnotherNamespace() {
        String yaml = serviceEntry("api", null) + VS;
        VirtualHost fromDefault = outbound(TranslatorTest.translate(yaml, IN_DEFAULT), "api.other.svc.cluster.local:8080");
        assertThat(fromDefault.select(new Req("GET", "/private", Map.of())).action())
                .as("the service's default route: the VirtualService is not exported to default").isInstanceOf(RouteAction.Forward.class);
        VirtualHost fromOther = outbound(TranslatorTest.translate(yaml, IN_OTHER), "api:8080");
        assertThat(fromOther.select(new Req("GET", "/private", Map.of())).action()).isEqualTo(new RouteAction.DirectResponse(403, ""));
    }

    @Test
    void aDestinationRuleExportedToItsNamespaceDoesNotApplyToAnotherNamespacesCluster() {
        String yaml = serviceEntry("api", null) + DR;
        String cluster = "outbound|8080||api.other.svc.cluster.local";
        ClusterConfig fromDefault = TranslatorTest.translate(yaml, IN_DEFAULT).snapshot().clusters().get(cluster);
        ClusterConfig fromOther = TranslatorTest.translate(yaml, IN_OTHER).snapshot().clusters().get(cluster);
        assertThat(fromOther.limits().maxConnections()).isEqualTo(7);
        assertThat(fromDefault.limits().maxConnections()).as("the rule is not exported to default").isNotEqualTo(7);
        assertThat(fromDefault.limits()).isEqualTo(ClusterConfig.of(cluster).limits());
    }

    @Test
    void aRuleExportedToTheProxysNamespaceStillLosesToOneOfItsOwnNamespace() {
        String yaml = serviceEntry("api", null) + """
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: api, namespace: other}
                spec:
                  host: api
                  exportTo: [default]
                  trafficPolicy: {connectionPool: {tcp: {maxConnections: 7}}}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: api-here, namespace: third}
                spec:
                  host: api.other.svc.cluster.local
                  exportTo: ["."]
                  trafficPolicy: {connectionPool: {tcp: {maxConnections: 3}}}
                """;
        String cluster = "outbound|8080||api.other.svc.cluster.local";
        assertThat(TranslatorTest.translate(yaml, IN_DEFAULT).snapshot().clusters().get(cluster).limits().maxConnections()).isEqualTo(7);
        assertThat(TranslatorTest.translate(yaml, IN_THIRD).snapshot().clusters().get(cluster).limits().maxConnections())
                .as("the third namespace's own rule; the other one is not exported there").isEqualTo(3);
        assertThat(TranslatorTest.translate(yaml, IN_OTHER).snapshot().clusters().get(cluster).limits())
                .as("exported to default only: not even its own namespace").isEqualTo(ClusterConfig.of(cluster).limits());
    }

    @Test
    void theCacheDoesNotReuseAPieceAcrossNamespacesThatSeeDifferently() {
        ConfigSet config = load(serviceEntry("api", null) + serviceEntry("scoped", "[\".\"]") + VS + DR);
        TranslationCache cache = new TranslationCache();
        List<ProxyIdentity> order = List.of(IN_OTHER, IN_DEFAULT, IN_OTHER, IN_THIRD, IN_DEFAULT);
        for (ProxyIdentity who : order) {
            Translation full = Translator.translate(config, who, TranslateOptions.DEFAULTS);
            Translation cached = Translator.translate(config, who, TranslateOptions.DEFAULTS, cache);
            ProxySnapshot c = cached.snapshot(), f = full.snapshot();
            assertThat(c.clusters()).as(who.namespace() + ": clusters").isEqualTo(f.clusters());
            assertThat(c.routeTables()).as(who.namespace() + ": route tables").isEqualTo(f.routeTables());
            assertThat(cached).as(who.namespace()).isEqualTo(full);
        }
        // and the pieces differ where the views do: the other proxy's is the VirtualService's
        Translation other = Translator.translate(config, IN_OTHER, TranslateOptions.DEFAULTS, cache);
        Translation def = Translator.translate(config, IN_DEFAULT, TranslateOptions.DEFAULTS, cache);
        assertThat(outbound(other, "api:8080").select(new Req("GET", "/private", Map.of())).action()).isEqualTo(new RouteAction.DirectResponse(403, ""));
        assertThat(outbound(def, "api.other:8080").select(new Req("GET", "/private", Map.of())).action()).isInstanceOf(RouteAction.Forward.class);
        assertThat(outbound(def, "scoped.other:8080")).isNull();
    }

    @Test
    void aGatewayOfAnotherNamespaceDoesNotTakeAVirtualServiceExportedToItsOwn() {
        String yaml = serviceEntry("api", null) + """
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: gw, namespace: default}
                spec:
                  selector: {istio: ingressgateway}
                  servers: [{port: {number: 8080, name: http, protocol: HTTP}, hosts: ["*/*"]}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: edge, namespace: other}
                spec:
                  hosts: [api.example]
                  gateways: [default/gw]
                  exportTo: ["."]
                  http: [{route: [{destination: {host: api}}]}]
                """;
        ProxyIdentity gateway = new ProxyIdentity("gw", "default", Map.of("istio", "ingressgateway"), null);
        Translation t = TranslatorTest.translate(yaml, gateway);
        var table = t.snapshot().routeTables().get("gateway:8080");
        assertThat(table == null ? null : table.select("api.example")).isNull();
    }
}
