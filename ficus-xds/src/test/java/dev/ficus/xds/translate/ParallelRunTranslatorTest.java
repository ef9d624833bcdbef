package dev.ficus.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.api.config.Diagnostic;
import dev.ficus.xds.snapshot.JsonPath;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteFault;
import dev.ficus.xds.snapshot.RouteParallelRun;
import dev.ficus.xds.snapshot.VirtualHost;
import dev.ficus.xds.wire.SnapshotCodec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A Rollout with the parallelRun strategy, present in the config, puts a parallel run on the routes it drives. */
class ParallelRunTranslatorTest {
    static final String MESH = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: reviews, namespace: shop}
            spec:
              hosts: [reviews.shop.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9080, name: http, protocol: HTTP}]
              workloadSelector: {labels: {app: reviews}}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: reviews-v1, namespace: shop}
            spec: {address: 127.0.0.11, labels: {app: reviews, version: v1}}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: reviews-v1b, namespace: shop}
            spec: {address: 127.0.0.13, labels: {app: reviews, version: v1, copy: b}}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: reviews-v2, namespace: shop}
            spec: {address: 127.0.0.12, labels: {app: reviews, version: v2}}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews, namespace: shop}
            spec:
              host: reviews
              subsets:
              - {name: v1, labels: {version: v1}}
              - {name: v1b, labels: {copy: b}}
              - {name: v2, labels: {version: v2}}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: shop}
            spec:
              hosts: [reviews]
              http:
              - name: admin
                match: [{uri: {prefix: /admin}}]
                route: [{destination: {host: reviews, subset: v2}}]
              - name: api
                match: [{uri: {prefix: /api}}, {uri: {prefix: /v1/api}}]
                route: [{destination: {host: reviews, subset: v1}}]
              - name: rest
                route: [{destination: {host: reviews, subset: v1}}]
            ---
            """;

    static final String ROLLOUT = """
            apiVersion: mesh.ficus.dev/v1alpha1
            kind: Rollout
            metadata: {name: reviews-v2, namespace: shop}
            spec:
              virtualService: reviews
              stable: {host: reviews, subset: v1}
              canary: {host: reviews, subset: v2}
              strategy:
                parallelRun:
                  percentage: 25
                  secondary: {host: reviews, subset: v1b}
                  compareHeaders: [content-type]
                  ignore: ['$.generatedAt', '$.items[*].id']
                  maxBodyBytes: 4096
            """;

    static final String V1 = "outbound|9080|v1|reviews.shop.svc.cluster.local";

    static List<Route> routes(ProxySnapshot s) {
        VirtualHost vh = s.routeTables().get("outbound").select("reviews:9080");
        return vh.routes();
    }

    @Test
    void everyRouteToStableGetsTheRunAndOthersDoNot() {
        Translation t = TranslatorTest.translate(MESH + ROLLOUT, TranslatorTest.FRONTEND);
        List<Route> routes = routes(t.snapshot());
        assertThat(routes).extracting(Route::name).containsExactly("admin", "api", "api", "rest");
        assertThat(routes.getFirst().policies().parallelRun()).isNull();
        RouteParallelRun expected = new RouteParallelRun("shop/reviews-v2", V1, "outbound|9080|v2|reviews.shop.svc.cluster.local",
                "outbound|9080|v1b|reviews.shop.svc.cluster.local", RouteFault.perMillion(25), List.of("content-type"),
                List.of(JsonPath.parse("$.generatedAt"), JsonPath.parse("$.items[*].id")), false, 4096);
        assertThat(routes.subList(1, 4)).allSatisfy(r -> assertThat(r.policies().parallelRun()).isEqualTo(expected));
        assertThat(t.snapshot().clusters()).containsKey("outbound|9080|v1b|reviews.shop.svc.cluster.local");
        assertThat(t.snapshot().clusters().get("outbound|9080|v1b|reviews.shop.svc.cluster.local").endpoints()).hasSize(1);
        assertThat(t.notes()).isEmpty();
    }

    @Test
    void namedRoutesOnlyAndDefaultsWhenUnset() {
        String rollout = """
                apiVersion: mesh.ficus.dev/v1alpha1
                kind: Rollout
                metadata: {name: r, namespace: shop}
                spec:
                  virtualService: reviews
                  routes: [api]
                  stable: {host: reviews, subset: v1}
                  canary: {host: reviews, subset: v2}
                  strategy:
                    parallelRun: {}
                """;
        List<Route> routes = routes(TranslatorTest.translate(MESH + rollout, TranslatorTest.FRONTEND).snapshot());
        assertThat(routes.get(3).policies().parallelRun()).as("rest is not named").isNull();
        RouteParallelRun pr = routes.get(1).policies().parallelRun();
        assertThat(pr.id()).isEqualTo("shop/r");
        assertThat(pr.perMillion()).isEqualTo(RouteFault.MILLION);
        assertThat(pr.secondaryCluster()).isNull();
        assertThat(pr.allowUnsafeMethods()).isFalse();
        assertThat(pr.maxBodyBytes()).isEqualTo(RouteParallelRun.DEFAULT_MAX_BODY_BYTES);
        assertThat(pr.ignore()).isEmpty();
    }

    @Test
    void anotherStrategyOrNoRolloutAttachesNothing() {
        String canary = ROLLOUT.replaceAll("(?s)  strategy:.*", "  strategy:\n    canary: {stepWeight: 10}\n");
        assertThat(routes(TranslatorTest.translate(MESH + canary, TranslatorTest.FRONTEND).snapshot()))
                .allSatisfy(r -> assertThat(r.policies().parallelRun()).isNull());
        assertThat(routes(TranslatorTest.translate(MESH, TranslatorTest.FRONTEND).snapshot()))
                .allSatisfy(r -> assertThat(r.policies().parallelRun()).isNull());
    }

    @Test
    void anIgnorePathThatDoesNotParseIsNotedAndTheOthersApply() {
        Translation t = TranslatorTest.translate(MESH + ROLLOUT.replace("'$.items[*].id'", "'$.items[x'"), TranslatorTest.FRONTEND);
        assertThat(routes(t.snapshot()).get(1).policies().parallelRun().ignore()).containsExactly(JsonPath.parse("$.generatedAt"));
        assertThat(t.notes()).extracting(Diagnostic::format).singleElement().asString()
                .contains("Rollout/reviews-v2", "spec.strategy.parallelRun.ignore[1]", "'$.items[x' is not a JSON path");
    }

    @Test
    void aBodyLimitOverWhatTheProxyKeepsIsLoweredWithANote() {
        Translation t = TranslatorTest.translate(MESH + ROLLOUT.replace("maxBodyBytes: 4096", "maxBodyBytes: 10000000"), TranslatorTest.FRONTEND);
        assertThat(routes(t.snapshot()).get(1).policies().parallelRun().maxBodyBytes()).isEqualTo(RouteParallelRun.MAX_BODY_BYTES);
        assertThat(t.notes()).extracting(Diagnostic::format).singleElement().asString().contains("spec.strategy.parallelRun.maxBodyBytes");
    }

    @Test
    void theSnapshotWithARunRoundTripsOnTheWire() {
        ProxySnapshot s = TranslatorTest.translate(MESH + ROLLOUT, TranslatorTest.FRONTEND).snapshot();
        ProxySnapshot back = SnapshotCodec.decodeSnapshot(SnapshotCodec.encodeSnapshot(s));
        assertThat(back).isEqualTo(s);
        assertThat(SnapshotCodec.hash(back)).isEqualTo(SnapshotCodec.hash(s));
        assertThat(routes(back).get(1).policies().parallelRun().ignore().get(1).toString()).isEqualTo("$.items[*].id");
    }

    @Test
    void aGatewayServingTheVirtualServiceComparesToo() {
        String gw = """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: edge, namespace: shop}
                spec:
                  selector: {istio: ingressgateway}
                  servers: [{port: {number: 8080, name: http, protocol: HTTP}, hosts: ['*']}]
                ---
                """;
        String yaml = MESH.replace("  hosts: [reviews]\n  http:", "  hosts: [reviews]\n  gateways: [edge, mesh]\n  http:") + gw + ROLLOUT;
        ProxySnapshot s = TranslatorTest.translate(yaml, new ProxyIdentity("gw", "shop", Map.of("istio", "ingressgateway"), null)).snapshot();
        VirtualHost vh = s.routeTables().get("gateway:8080").virtualHosts().getFirst();
        // the service's only port, as the route's own destinations resolve it: the router tells stable's requests by that name
        assertThat(((dev.ficus.xds.snapshot.RouteAction.Forward) vh.routes().get(1).action()).clusters().getFirst().cluster()).isEqualTo(V1);
        assertThat(vh.routes().get(1).policies().parallelRun().stableCluster()).isEqualTo(V1);
        assertThat(vh.routes().get(1).policies().parallelRun().candidateCluster()).isEqualTo("outbound|9080|v2|reviews.shop.svc.cluster.local");
    }
}
