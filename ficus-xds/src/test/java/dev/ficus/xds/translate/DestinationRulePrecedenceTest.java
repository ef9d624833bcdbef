package dev.ficus.xds.translate;

import dev.ficus.api.config.ConfigSet;
import dev.ficus.xds.snapshot.ClusterConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which DestinationRule a proxy applies to a service, Istio's lookup: the proxy's own namespace,
 * then the service's namespace (rules it exports to the proxy's), then the root namespace
 * (istio-system); never a third namespace. Within one namespace the most specific host wins.
 * Each rule here sets a distinct {@code maxConnections}, so the cluster tells which one applied.
 */
class DestinationRulePrecedenceTest {
    static final ProxyIdentity IN_DEFAULT = ExportToTranslationTest.IN_DEFAULT;
    static final ProxyIdentity IN_DEFAULT_OTHER_APP = new ProxyIdentity("batch", "default", Map.of("app", "batch"), null);
    static final ProxyIdentity IN_OTHER = ExportToTranslationTest.IN_OTHER;
    static final ProxyIdentity IN_THIRD = ExportToTranslationTest.IN_THIRD;
    static final ProxyIdentity IN_ROOT = new ProxyIdentity("gw", "istio-system", Map.of("istio", "ingressgateway"), null);
    static final String CLUSTER = "outbound|8080||api.other.svc.cluster.local";

    /** A rule in {@code ns} for {@code host} with {@code maxConnections: max}; {@code extra}: more spec lines. */
    static String rule(String name, String ns, String host, int max, String extra) {
        return "---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: " + name + ", namespace: " + ns + "}\n"
                + "spec:\n  host: \"" + host + "\"\n  trafficPolicy: {connectionPool: {tcp: {maxConnections: " + max + "}}}\n"
                + (extra == null ? "" : extra);
    }

    static final String SERVICE = ExportToTranslationTest.serviceEntry("api", null);

    /** The maxConnections of api's cluster for {@code who}: which rule applied (the default limit when none). */
    static int applied(String yaml, ProxyIdentity who) {
        return TranslatorTest.translate(yaml, who).snapshot().clusters().get(CLUSTER).limits().maxConnections();
    }

    static final int NONE = ClusterConfig.of(CLUSTER).limits().maxConnections();

    @Test
    void aRuleOfAThirdNamespaceAppliesToItsOwnProxiesOnly() {
        String yaml = SERVICE + rule("api", "third", "api.other.svc.cluster.local", 3, null);
        assertThat(applied(yaml, IN_THIRD)).isEqualTo(3);
        assertThat(applied(yaml, IN_DEFAULT)).as("neither the proxy's, the service's nor the root namespace").isEqualTo(NONE);
        assertThat(applied(yaml, IN_OTHER)).isEqualTo(NONE);
    }

    @Test
    void theProxysNamespaceComesFirstEvenWithAWildcardAgainstTheServicesExactHost() {
        String yaml = SERVICE + rule("api", "other", "api", 7, null) + rule("all-other", "default", "*.other.svc.cluster.local", 3, null);
        assertThat(applied(yaml, IN_DEFAULT)).isEqualTo(3);
        assertThat(applied(yaml, IN_OTHER)).isEqualTo(7);
        assertThat(applied(yaml, IN_THIRD)).as("the service's namespace exports its rule everywhere").isEqualTo(7);
    }

    @Test
    void withinANamespaceTheMostSpecificHostWinsWhateverTheReadOrder() {
        String star = rule("everything", "default", "*", 1, null);
        String svc = rule("cluster-local", "default", "*.svc.cluster.local", 2, null);
        String ns = rule("other-ns", "default", "*.other.svc.cluster.local", 3, null);
        String exact = rule("api", "default", "api.other.svc.cluster.local", 4, null);
        assertThat(applied(SERVICE + star + svc + ns, IN_DEFAULT)).isEqualTo(3);
        assertThat(applied(SERVICE + ns + svc + star, IN_DEFAULT)).isEqualTo(3);
        assertThat(applied(SERVICE + star + svc, IN_DEFAULT)).isEqualTo(2);
        assertThat(applied(SERVICE + star + ns + exact + svc, IN_DEFAULT)).isEqualTo(4);
    }

    @Test
    void theRootNamespaceFillsInLastAndItsLocalRulesServeItsOwnProxies() {
        String root = rule("mesh-default", "istio-system", "*.svc.cluster.local", 9, null);
        assertThat(applied(SERVICE + root, IN_DEFAULT)).isEqualTo(9);
        assertThat(applied(SERVICE + root, IN_ROOT)).isEqualTo(9);
        String service = rule("api", "other", "api", 7, null);
        assertThat(applied(SERVICE + root + service, IN_DEFAULT)).as("the service's namespace before the root").isEqualTo(7);
        String rootPrivate = rule("gateway-only", "istio-system", "api.other.svc.cluster.local", 8, "  exportTo: [\".\"]\n");
        assertThat(applied(SERVICE + root + service + rootPrivate, IN_ROOT)).as("the root's own proxies: its local rule first").isEqualTo(8);
        assertThat(applied(SERVICE + root + rootPrivate, IN_DEFAULT)).as("a root rule kept to itself does not shadow the exported one").isEqualTo(9);
    }

    @Test
    void anExportedRuleIsChosenByHostFirstThenByWhereItIsExported() {
        // Istio: in the service's namespace, the most specific host is api's, exported to third only;
        // a proxy of default does not fall back to that namespace's wildcard, but to the root's rule
        String yaml = SERVICE + rule("api", "other", "api", 5, "  exportTo: [third]\n")
                + rule("all", "other", "*.other.svc.cluster.local", 6, null)
                + rule("mesh-default", "istio-system", "*", 9, null);
        assertThat(applied(yaml, IN_THIRD)).isEqualTo(5);
        assertThat(applied(yaml, IN_DEFAULT)).isEqualTo(9);
        assertThat(applied(yaml, IN_OTHER)).as("its own namespace: api's rule is not kept there, the wildcard is").isEqualTo(6);
        String privateOnly = rule("api", "other", "api", 5, "  exportTo: [\".\"]\n");
        assertThat(applied(SERVICE + privateOnly + rule("all", "other", "*.other.svc.cluster.local", 6, null), IN_DEFAULT))
                .as("a rule kept to its namespace is not among those it exports").isEqualTo(6);
    }

    @Test
    void aRuleSelectingTheProxyWinsOverOneForEveryWorkloadOfItsNamespace() {
        String yaml = SERVICE + rule("api", "default", "api.other.svc.cluster.local", 5, null)
                + rule("api-client", "default", "api.other.svc.cluster.local", 4, "  workloadSelector: {matchLabels: {app: client}}\n  exportTo: [\".\"]\n");
        assertThat(applied(yaml, IN_DEFAULT)).isEqualTo(4);
        assertThat(applied(yaml, IN_DEFAULT_OTHER_APP)).isEqualTo(5);
    }

    @Test
    void theCacheDoesNotHandARuleOfOneNamespaceToAnother() {
        ConfigSet config = ExportToTranslationTest.load(SERVICE + rule("api", "third", "api.other.svc.cluster.local", 3, null));
        TranslationCache cache = new TranslationCache();
        for (ProxyIdentity who : List.of(IN_THIRD, IN_DEFAULT, IN_OTHER, IN_THIRD, IN_DEFAULT)) {
            Translation full = Translator.translate(config, who, TranslateOptions.DEFAULTS);
            Translation cached = Translator.translate(config, who, TranslateOptions.DEFAULTS, cache);
            assertThat(cached.snapshot().clusters()).as(who.namespace()).isEqualTo(full.snapshot().clusters());
            assertThat(cached.snapshot().clusters().get(CLUSTER).limits().maxConnections()).as(who.namespace())
                    .isEqualTo(who == IN_THIRD ? 3 : NONE);
        }
    }
    /**
     * Istio merges the rules of one namespace for one host: the subsets of all (the first of a
     * name wins) and the first top-level traffic policy. A subset defined by the second rule used
     * to be unknown (503 UH).
     */
    @Test
    void rulesOfOneNamespaceForOneHostAreMergedAsIstioMergesThem() {
        String service = """
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: api, namespace: other}
                spec:
                  hosts: [api.other.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 8080, name: http, protocol: HTTP}]
                  endpoints: [{address: 127.0.0.1, labels: {version: v1}}, {address: 127.0.0.2, labels: {version: v2}}, {address: 127.0.0.3, labels: {version: v3}}]
                """;
        String first = "---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: api-v1, namespace: other}\n"
                + "spec:\n  host: api\n  subsets: [{name: v1, labels: {version: v1}}]\n";
        String second = rule("api-more", "other", "api", 6, "  subsets: [{name: v1, labels: {version: v3}}, {name: v2, labels: {version: v2}, "
                + "trafficPolicy: {connectionPool: {tcp: {maxConnections: 2}}}}]\n");
        String third = rule("api-late", "other", "api", 4, "  subsets: [{name: v3, labels: {version: v3}}]\n");
        var clusters = TranslatorTest.translate(service + first + second + third + """
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: api, namespace: other}
                spec:
                  hosts: [api]
                  http:
                  - match: [{headers: {v: {exact: "2"}}}]
                    route: [{destination: {host: api, subset: v2}}]
                  - match: [{headers: {v: {exact: "3"}}}]
                    route: [{destination: {host: api, subset: v3}}]
                  - route: [{destination: {host: api, subset: v1}}]
                """, IN_DEFAULT).snapshot().clusters();
        ClusterConfig v1 = clusters.get("outbound|8080|v1|api.other.svc.cluster.local");
        ClusterConfig v2 = clusters.get("outbound|8080|v2|api.other.svc.cluster.local");
        ClusterConfig v3 = clusters.get("outbound|8080|v3|api.other.svc.cluster.local");
        assertThat(v1.endpoints()).as("the first v1 wins").extracting(e -> e.address().host()).containsExactly("127.0.0.1");
        assertThat(v2.endpoints()).as("a subset of the second rule").extracting(e -> e.address().host()).containsExactly("127.0.0.2");
        assertThat(v3.endpoints()).extracting(e -> e.address().host()).containsExactly("127.0.0.3");
        assertThat(v1.limits().maxConnections()).as("the first top-level policy: the second rule's").isEqualTo(6);
        assertThat(v3.limits().maxConnections()).isEqualTo(6);
        assertThat(v2.limits().maxConnections()).as("its subset's own policy").isEqualTo(2);
    }
    /** Istio's default load balancer is LEAST_REQUEST: without a rule, or with one that names no algorithm. */
    @Test
    void theDefaultLoadBalancerIsLeastRequestAsIstios() {
        java.util.function.Function<String, dev.ficus.xds.snapshot.LbPolicy> lb = yaml ->
                TranslatorTest.translate(yaml, IN_DEFAULT).snapshot().clusters().get(CLUSTER).lbPolicy();
        assertThat(lb.apply(SERVICE)).isEqualTo(dev.ficus.xds.snapshot.LbPolicy.LEAST_REQUEST);
        assertThat(lb.apply(SERVICE + rule("api", "other", "api", 5, null))).isEqualTo(dev.ficus.xds.snapshot.LbPolicy.LEAST_REQUEST);
        String roundRobin = "---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: api, namespace: other}\n"
                + "spec:\n  host: api\n  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}\n";
        assertThat(lb.apply(SERVICE + roundRobin)).isEqualTo(dev.ficus.xds.snapshot.LbPolicy.ROUND_ROBIN);
    }
}
