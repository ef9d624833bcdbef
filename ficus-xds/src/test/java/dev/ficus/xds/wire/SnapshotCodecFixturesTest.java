package dev.ficus.xds.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.config.Diagnostic;
import dev.ficus.api.validate.Validator;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.translate.ProxyIdentity;
import dev.ficus.xds.translate.TranslateOptions;
import dev.ficus.xds.translate.Translator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every snapshot the translator makes from the examples and the Istio fixtures, for the proxies
 * those configurations select, survives the wire unchanged: what a proxy decodes equals what the
 * control plane built, resource by resource and whole.
 */
class SnapshotCodecFixturesTest {
    static final Path ROOT = repoRoot();

    /** Route policies, cluster policies and every action the translator emits, in one mesh. */
    static final String KITCHEN_SINK = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: reviews, namespace: shop}
            spec:
              hosts: [reviews.shop.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9080, name: http, protocol: HTTP}]
              endpoints: [{address: 127.0.0.11, labels: {version: v1}}, {address: 127.0.0.12, labels: {version: v2}, weight: 3}]
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: ratings, namespace: shop}
            spec:
              hosts: [ratings.shop.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9080, name: grpc, protocol: GRPC}]
              endpoints: [{address: 127.0.0.13}]
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews, namespace: shop}
            spec:
              host: reviews
              trafficPolicy:
                loadBalancer: {consistentHash: {httpCookie: {name: user, path: /, ttl: 60s}, ringHash: {minimumRingSize: 4096}}}
                connectionPool: {tcp: {maxConnections: 7, connectTimeout: 250ms, idleTimeout: 5m}, http: {http1MaxPendingRequests: 3}}
                outlierDetection: {consecutiveGatewayErrors: 2, interval: 1s, baseEjectionTime: 15s, maxEjectionPercent: 50, minHealthPercent: 30}
              subsets:
              - {name: v1, labels: {version: v1}, trafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: x-user, maglev: {tableSize: 1009}}}}}
              - {name: v2, labels: {version: v2}, trafficPolicy: {loadBalancer: {simple: LEAST_REQUEST}}}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: ratings, namespace: shop}
            spec:
              host: ratings
              trafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true}}}
              subsets:
              - {name: q, labels: {version: v1}, trafficPolicy: {loadBalancer: {consistentHash: {httpQueryParameterName: cart, minimumRingSize: 64}}}}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: shop}
            spec:
              hosts: [reviews]
              http:
              - match: [{uri: {regex: '/api/v[0-9]+/.*'}, method: {exact: POST}, headers: {end-user: {prefix: ja}, x-trace: {regex: '[a-f0-9]+'}}, withoutHeaders: {x-skip: {exact: 'yes'}}}]
                route: [{destination: {host: reviews, subset: v2}}]
                retries: {attempts: 3, perTryTimeout: 2s, retryOn: 'gateway-error,connect-failure,503'}
                fault:
                  delay: {fixedDelay: 5s, percentage: {value: 10}}
                  abort: {httpStatus: 418, percentage: {value: 0.5}}
                headers:
                  request: {set: {x-a: '1'}, add: {x-b: '2'}, remove: [x-c]}
                  response: {remove: [server]}
              - match: [{uri: {prefix: /mirror}}]
                route:
                - {destination: {host: reviews, subset: v1}, weight: 80}
                - {destination: {host: reviews, subset: v2}, weight: 20}
                mirrors:
                - {destination: {host: ratings}}
                - {destination: {host: reviews}, percentage: {value: 5}}
                timeout: 3s
              - match: [{uri: {prefix: /old}}]
                rewrite: {uri: /v2/, authority: backend}
                route: [{destination: {host: reviews}}]
              - match: [{uri: {prefix: /svc}}]
                rewrite: {uriRegexRewrite: {match: '^/svc/(\\w+)$', rewrite: '/x/\\1'}}
                route: [{destination: {host: reviews}}]
                corsPolicy:
                  allowOrigins: [{exact: 'https://a.example'}, {regex: 'https://.*[.]b[.]example'}, {prefix: 'https://c.'}, {exact: '*'}]
                  allowMethods: [GET, POST]
                  allowHeaders: [content-type]
                  exposeHeaders: [x-id]
                  maxAge: 24h
                  allowCredentials: true
              - match: [{uri: {exact: /gone}}]
                directResponse: {status: 410, body: {string: 'gone for good'}}
              - match: [{uri: {exact: /moved}}]
                redirect: {uri: /new, authority: elsewhere.example, redirectCode: 308}
              - route: [{destination: {host: reviews, subset: v1}}]
                timeout: 0s
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: ratings, namespace: shop}
            spec:
              hosts: [ratings]
              http:
              - route: [{destination: {host: ratings, subset: q}}]
                fault: {abort: {grpcStatus: UNAVAILABLE, percentage: {value: 1}}}
            """;

    record Case(String name, ConfigLoader.Result config) {}

    static Stream<Arguments> snapshots() throws Exception {
        List<ProxyIdentity> proxies = List.of(
                new ProxyIdentity("sidecar", "default", Map.of(), null),
                new ProxyIdentity("gateway", "default", Map.of("istio", "ingressgateway"), null),
                new ProxyIdentity("productpage", "default", Map.of("app", "productpage", "version", "v1"), "bookinfo-productpage"),
                new ProxyIdentity("reviews", "default", Map.of("app", "reviews", "version", "v1"), null),
                new ProxyIdentity("bench", "default", Map.of("app", "bench"), null),
                new ProxyIdentity("frontend", "shop", Map.of("app", "frontend"), "frontend"),
                new ProxyIdentity("web", "shop", Map.of("app", "web"), "web"));
        List<Case> configs = new ArrayList<>();
        for (String dir : List.of("examples/bookinfo", "examples/standalone", "examples/bench", "ficus-api/src/test/resources/fixtures/istio/bookinfo")) {
            configs.add(new Case(dir, Validator.loadAndValidate(List.of(ROOT.resolve(dir).toString()), System.in)));
        }
        configs.add(new Case("kitchen sink", Validator.loadAndValidateString("kitchen-sink.yaml", KITCHEN_SINK)));
        // the configurations the translator's own tests use
        for (String[] f : new String[][] {{"TranslatorTest", "SHOP"}, {"RoutePolicyTranslatorTest", "SERVICES"},
                {"ProtocolTranslationTest", "MESH"}, {"ClusterPoliciesTest", "SERVICE"}}) {
            var field = Class.forName("dev.ficus.xds.translate." + f[0]).getDeclaredField(f[1]);
            field.setAccessible(true);
            configs.add(new Case(f[0] + "." + f[1], Validator.loadAndValidateString(f[1] + ".yaml", (String) field.get(null))));
        }
        List<Arguments> out = new ArrayList<>();
        for (Case c : configs) {
            assertThat(c.config().diagnostics().stream().filter(Diagnostic::isError).map(Diagnostic::format)).as(c.name()).isEmpty();
            for (ProxyIdentity who : proxies) {
                ProxySnapshot s = Translator.translate(Validator.effective(c.config().config()), who, TranslateOptions.DEFAULTS).snapshot();
                out.add(Arguments.of(c.name() + " as " + who.name(), s));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("snapshots")
    void aTranslatedSnapshotSurvivesTheWire(String name, ProxySnapshot original) {
        String json = SnapshotCodec.encodeSnapshot(original);
        ProxySnapshot decoded = SnapshotCodec.decodeSnapshot(json);

        assertThat(decoded).isEqualTo(original);
        assertThat(SnapshotCodec.encodeSnapshot(decoded)).isEqualTo(json);
        assertThat(SnapshotCodec.hash(decoded)).isEqualTo(SnapshotCodec.hash(original));
        for (ListenerConfig l : original.listeners()) assertThat(SnapshotCodec.decode(SnapshotCodec.encode(l), ListenerConfig.class)).isEqualTo(l);
        for (RouteTable t : original.routeTables().values()) assertThat(SnapshotCodec.decode(SnapshotCodec.encode(t), RouteTable.class)).isEqualTo(t);
        for (ClusterConfig c : original.clusters().values()) assertThat(SnapshotCodec.decode(SnapshotCodec.encode(c), ClusterConfig.class)).isEqualTo(c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("snapshots")
    void aDecodedRouteTableSelectsAsTheOriginalDoes(String name, ProxySnapshot original) {
        ProxySnapshot decoded = SnapshotCodec.decodeSnapshot(SnapshotCodec.encodeSnapshot(original));
        for (var e : original.routeTables().entrySet()) {
            RouteTable d = decoded.routeTables().get(e.getKey());
            for (var vh : e.getValue().virtualHosts()) {
                for (String domain : vh.domains()) {
                    String authority = domain.replace("*", "x");
                    assertThat(d.select(authority)).isEqualTo(e.getValue().select(authority));
                }
            }
        }
    }

    @org.junit.jupiter.api.Test
    void theFixturesReachEveryKindOfValue() throws Exception {
        StringBuilder all = new StringBuilder();
        snapshots().forEach(a -> all.append(SnapshotCodec.encodeSnapshot((ProxySnapshot) a.get()[1])));
        List<String> expected = new ArrayList<>();
        for (String type : List.of("Exact", "Prefix", "Regex", "Present", "Forward", "DirectResponse", "Redirect", "Header", "Cookie", "SourceIp", "QueryParameter")) {
            expected.add("{\"type\":\"" + type + "\"");
        }
        expected.addAll(List.of("\"regexRewrite\":", "\"cors\":", "\"fault\":", "\"mirrors\":[{", "\"outlier\":", "\"tcpRoutes\":{\"routes\":[{",
                "\"upstreamProtocol\":\"HTTP2\"", "\"retriableStatusCodes\":[503]", "\"kind\":\"GATEWAY\"", "\"protocol\":\"TCP\""));
        String json = all.toString();
        assertThat(expected.stream().filter(e -> !json.contains(e)).toList()).isEmpty();
    }

    private static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("examples"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("no examples/ above " + Path.of("").toAbsolutePath());
        return p;
    }
}
