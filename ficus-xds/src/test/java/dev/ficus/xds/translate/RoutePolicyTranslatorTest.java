package dev.ficus.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.api.config.Diagnostic;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteFault;
import dev.ficus.xds.snapshot.RouteMirror;
import dev.ficus.xds.snapshot.RoutePolicies;
import dev.ficus.xds.snapshot.RouteRetry;
import dev.ficus.xds.snapshot.VirtualHost;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Istio's retries, faults, mirrors and rewrites as the snapshot carries them. */
class RoutePolicyTranslatorTest {
    static final String SERVICES = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: reviews, namespace: shop}
            spec:
              hosts: [reviews.shop.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9080, name: http, protocol: HTTP}]
              endpoints: [{address: 127.0.0.11}]
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: ratings, namespace: shop}
            spec:
              hosts: [ratings.shop.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9080, name: http, protocol: HTTP}]
              endpoints: [{address: 127.0.0.12}]
            """;

    static List<Route> routes(String http) {
        Translation t = TranslatorTest.translate(SERVICES + """
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews, namespace: shop}
                spec:
                  hosts: [reviews]
                  http:
                """ + http.indent(2), TranslatorTest.FRONTEND);
        assertThat(t.notes()).extracting(Diagnostic::format).isEmpty();
        ProxySnapshot s = t.snapshot();
        VirtualHost vh = s.routeTables().get("outbound").select("reviews.shop.svc.cluster.local:9080");
        return vh.routes();
    }

    @Test
    void aRouteWithoutRetriesGetsIstiosDefaultAndAttemptsZeroDisablesThem() {
        assertThat(routes("- route: [{destination: {host: reviews}}]\n").getFirst().policies()).isEqualTo(RoutePolicies.ISTIO_DEFAULT);
        assertThat(routes("- route: [{destination: {host: reviews}}]\n  retries: {attempts: 0}\n").getFirst().policies().retry()).isEqualTo(RouteRetry.NONE);
        Route plain = TranslatorTest.translate(SERVICES, TranslatorTest.FRONTEND).snapshot().routeTables().get("outbound")
                .select("ratings.shop.svc.cluster.local:9080").routes().getFirst();
        assertThat(plain.policies()).as("services without a VirtualService").isEqualTo(RoutePolicies.ISTIO_DEFAULT);
    }

    @Test
    void retriesParseConditionsStatusCodesAndTimeouts() {
        RouteRetry r = routes("""
                - route: [{destination: {host: reviews}}]
                  retries: {attempts: 4, perTryTimeout: 250ms, retryOn: 'gateway-error,reset,503,409,unavailable'}
                """).getFirst().policies().retry();
        assertThat(r.retries()).isEqualTo(4);
        assertThat(r.perTryTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(r.retriableStatusCodes()).containsExactly(409, 503);
        assertThat(r.on(RouteRetry.ON_GATEWAY_ERROR | RouteRetry.ON_RESET | RouteRetry.ON_RETRIABLE_STATUS_CODES | RouteRetry.ON_GRPC_UNAVAILABLE)).isTrue();
        assertThat(r.on(RouteRetry.ON_5XX)).isFalse();
        assertThat(r.retriesResponse(502, -1)).isTrue();
        assertThat(r.retriesResponse(409, -1)).isTrue();
        assertThat(r.retriesResponse(500, -1)).isFalse();
        assertThat(r.retriesResponse(200, 14)).isTrue();
        assertThat(r.retriesResponse(200, 13)).isFalse();
        assertThat(r.retriesPerTryTimeout()).isTrue();
        assertThat(r.retriesConnectFailure()).isTrue();
    }

    @Test
    void faultsKeepTheirSharesAndAcceptTheDeprecatedPercent() {
        RouteFault f = routes("""
                - route: [{destination: {host: reviews}}]
                  fault:
                    delay: {fixedDelay: 2s, percent: 10}
                    abort: {httpStatus: 500, percentage: {value: 0.1}}
                """).getFirst().policies().fault();
        assertThat(f).isEqualTo(new RouteFault(Duration.ofSeconds(2), 100_000, 500, -1, 1_000));
        RouteFault grpc = routes("""
                - route: [{destination: {host: reviews}}]
                  fault: {abort: {grpcStatus: UNAVAILABLE}}
                """).getFirst().policies().fault();
        assertThat(grpc).isEqualTo(new RouteFault(Duration.ZERO, 0, 200, 14, RouteFault.MILLION));
    }

    @Test
    void mirrorsBecomeClustersWithTheirShare() {
        RoutePolicies p = routes("""
                - route: [{destination: {host: reviews}}]
                  mirror: {host: ratings}
                  mirrorPercentage: {value: 25}
                """).getFirst().policies();
        assertThat(p.mirrors()).containsExactly(new RouteMirror("outbound|9080||ratings.shop.svc.cluster.local", 250_000));
        RoutePolicies many = routes("""
                - route: [{destination: {host: reviews}}]
                  mirrors:
                  - {destination: {host: ratings}}
                  - {destination: {host: reviews}, percentage: {value: 5}}
                """).getFirst().policies();
        assertThat(many.mirrors()).containsExactly(new RouteMirror("outbound|9080||ratings.shop.svc.cluster.local", RouteFault.MILLION),
                new RouteMirror("outbound|9080||reviews.shop.svc.cluster.local", 50_000));
    }

    @Test
    void aMirrorWithoutAPortGoesToTheOnlyPortOfItsService() {
        // as for route destinations (Istio: a service with one port needs no port); it went to the
        // route's port, where the mirror service listens on nothing
        Translation t = TranslatorTest.translate(SERVICES + """
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: audit, namespace: shop}
                spec:
                  hosts: [audit.shop.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 7000, name: http, protocol: HTTP}]
                  endpoints: [{address: 127.0.0.13}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews, namespace: shop}
                spec:
                  hosts: [reviews]
                  http:
                  - route: [{destination: {host: reviews}}]
                    mirrors:
                    - {destination: {host: audit}}
                    - {destination: {host: audit, port: {number: 7000}}, percentage: {value: 5}}
                """, TranslatorTest.FRONTEND);
        assertThat(t.notes()).extracting(Diagnostic::format).isEmpty();
        RoutePolicies p = t.snapshot().routeTables().get("outbound").select("reviews.shop.svc.cluster.local:9080").routes().getFirst().policies();
        assertThat(p.mirrors()).containsExactly(new RouteMirror("outbound|7000||audit.shop.svc.cluster.local", RouteFault.MILLION),
                new RouteMirror("outbound|7000||audit.shop.svc.cluster.local", 50_000));
    }

    @Test
    void uriRewritesReplaceThePrefixForPrefixMatchesAndTheWholePathOtherwise() {
        List<Route> rs = routes("""
                - match: [{uri: {prefix: /api/}}, {uri: {exact: /old}}]
                  rewrite: {uri: /v2/, authority: backend}
                  route: [{destination: {host: reviews}}]
                - match: [{uri: {prefix: /svc}}]
                  rewrite: {uriRegexRewrite: {match: '^/svc/(\\w+)$', rewrite: '/x/\\1'}}
                  route: [{destination: {host: reviews}}]
                """);
        assertThat(rs.get(0).policies().rewrite().rewrite("/api/items?q=1")).isEqualTo("/v2/items?q=1");
        assertThat(rs.get(0).policies().rewrite().authority()).isEqualTo("backend");
        assertThat(rs.get(1).policies().rewrite().rewrite("/old")).isEqualTo("/v2/");
        assertThat(rs.get(2).policies().rewrite().rewrite("/svc/orders")).isEqualTo("/x/orders");
        assertThat(rs.get(2).policies().rewrite().rewrite("/svc/a/b")).isEqualTo("/svc/a/b");
    }

    @Test
    void aPercentageBecomesPartsPerMillion() {
        assertThat(RouteFault.perMillion(0.1)).isEqualTo(1_000);
        assertThat(RouteFault.perMillion(100)).isEqualTo(RouteFault.MILLION);
        assertThat(RouteFault.perMillion(0)).isZero();
    }

    @Test
    void corsPoliciesJoinTheirHeaderValuesOnce() {
        var cors = routes("""
                - route: [{destination: {host: reviews}}]
                  corsPolicy:
                    allowOrigins: [{exact: 'https://a.example'}, {regex: 'https://.*[.]b[.]example'}]
                    allowMethods: [GET, POST]
                    allowHeaders: [content-type]
                    maxAge: 24h
                    allowCredentials: true
                    unmatchedPreflights: IGNORE
                """).getFirst().policies().cors();
        assertThat(cors.allows("https://a.example")).isTrue();
        assertThat(cors.allows("https://x.b.example")).isTrue();
        assertThat(cors.allows("https://c.example")).isFalse();
        assertThat(cors.allowMethods()).isEqualTo("GET,POST");
        assertThat(cors.maxAge()).isEqualTo("86400");
        assertThat(cors.allowCredentials()).isTrue();
        assertThat(cors.forwardUnmatchedPreflights()).isFalse();
    }
}
