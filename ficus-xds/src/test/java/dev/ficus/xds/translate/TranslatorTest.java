package dev.ficus.xds.translate;

import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.config.Diagnostic;
import dev.ficus.api.validate.Validator;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.HostPort;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.RequestAttributes;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.VirtualHost;
import dev.ficus.xds.snapshot.WeightedCluster;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class TranslatorTest {

    static final String SHOP = """
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
            spec: {address: 127.0.0.11, ports: {http: 19080}, labels: {app: reviews, version: v1}}
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
              trafficPolicy:
                loadBalancer: {simple: ROUND_ROBIN}
                connectionPool: {tcp: {maxConnections: 10, connectTimeout: 2s}}
              subsets:
              - {name: v1, labels: {version: v1}}
              - {name: v2, labels: {version: v2}, trafficPolicy: {loadBalancer: {simple: RANDOM}}}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: shop}
            spec:
              hosts: [reviews]
              http:
              - match: [{headers: {end-user: {exact: jason}}}]
                route: [{destination: {host: reviews, subset: v2}}]
              - route:
                - {destination: {host: reviews, subset: v1}, weight: 80}
                - {destination: {host: reviews, subset: v2}, weight: 20}
                timeout: 3s
                retries: {attempts: 3}
            """;

    static Translation translate(String yaml, ProxyIdentity who) {
        ConfigLoader.Result r = Validator.loadAndValidateString("shop.yaml", yaml);
        assertThat(r.diagnostics().stream().filter(Diagnostic::isError).map(Diagnostic::format)).isEmpty();
        var config = Validator.effective(r.config());
        Translation full = Translator.translate(config, who, TranslateOptions.DEFAULTS);
        // the cached translation is the same, computing every piece (cold) and reusing every piece (warm)
        TranslationCache cache = new TranslationCache();
        assertThat(Translator.translate(config, who, TranslateOptions.DEFAULTS, cache)).isEqualTo(full);
        assertThat(Translator.translate(config, who, TranslateOptions.DEFAULTS, cache)).isEqualTo(full);
        return full;
    }

    static final ProxyIdentity FRONTEND = new ProxyIdentity("frontend", "shop", Map.of("app", "frontend"), "frontend");

    record Req(String method, String path, Map<String, String> headers) implements RequestAttributes {
        @Override
        public String header(String lowerCaseName) {
            return headers.get(lowerCaseName);
        }
    }

    @Test
    void servicesBecomeVirtualHostsWithIstioDomainsAndVirtualServiceRoutes() {
        Translation t = translate(SHOP, FRONTEND);
        ProxySnapshot s = t.snapshot();
        assertThat(s.listeners()).containsExactly(new ListenerConfig("outbound", new HostPort("127.0.0.1", 15001), ListenerKind.OUTBOUND,
                dev.ficus.xds.snapshot.ListenerProtocol.HTTP, "outbound").withTelemetry(dev.ficus.xds.snapshot.TelemetryPolicy.DEFAULT
                .withLocal(new dev.ficus.xds.snapshot.TelemetryPolicy.PeerWorkload("frontend", "shop", "frontend", null)))
                .withOutbound(dev.ficus.xds.snapshot.OutboundPolicy.ALLOW_ANY));
        VirtualHost vh = s.routeTables().get("outbound").select("reviews:9080");
        assertThat(vh).isNotNull();
        assertThat(vh.domains()).contains("reviews", "reviews:9080", "reviews.shop", "reviews.shop.svc.cluster.local:9080");
        assertThat(s.routeTables().get("outbound").select("reviews")).isSameAs(vh);

        Route jason = vh.select(new Req("GET", "/", Map.of("end-user", "jason")));
        assertThat(((RouteAction.Forward) jason.action()).clusters())
                .containsExactly(new WeightedCluster("outbound|9080|v2|reviews.shop.svc.cluster.local", 100));
        Route other = vh.select(new Req("GET", "/", Map.of()));
        assertThat(((RouteAction.Forward) other.action()).clusters()).containsExactly(
                new WeightedCluster("outbound|9080|v1|reviews.shop.svc.cluster.local", 80),
                new WeightedCluster("outbound|9080|v2|reviews.shop.svc.cluster.local", 20));
        assertThat(other.timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(jason.timeout()).as("Istio routes have no timeout unless set").isZero();
    }

    static final String TCP_ONLY = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: db, namespace: shop}
            spec:
              hosts: [db.shop.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 5432, name: tcp-pg, protocol: TCP}, {number: 6000, name: tcp-admin, protocol: TCP}]
              endpoints: [{address: 127.0.0.21}]
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: db-new, namespace: shop}
            spec:
              hosts: [db-new.shop.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 5432, name: tcp-pg, protocol: TCP}]
              endpoints: [{address: 127.0.0.22}]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: db, namespace: shop}
            spec:
              hosts: [db]
              tcp:
              - match: [{port: 5432}]
                route: [{destination: {host: db-new, port: {number: 5432}}}]
            """;

    /**
     * A VirtualService with only {@code tcp} routes does not hide its service from the HTTP route
     * table: a CONNECT to host:port takes the tcp routes of that port (the CONNECT method only), and
     * anything else — a CONNECT to a port no tcp route covers, a plain request — takes the service's
     * default route, as Istio leaves a service whose VirtualService has no HTTP route for the port.
     */
    @Test
    void aTcpOnlyVirtualServiceRoutesConnectByPortAndLeavesTheServiceItsDefaultRoute() {
        Translation t = translate(TCP_ONLY, FRONTEND);
        assertThat(t.notes()).isEmpty();
        var table = t.snapshot().routeTables().get("outbound");
        VirtualHost pg = table.select("db.shop:5432");
        assertThat(pg).isNotNull();
        Route connect = pg.select(new Req("CONNECT", "/", Map.of()));
        assertThat(connect.name()).isEqualTo("db.spec.tcp[0]");
        assertThat(((RouteAction.Forward) connect.action()).clusters()).containsExactly(new WeightedCluster("outbound|5432||db-new.shop.svc.cluster.local", 100));
        Route get = pg.select(new Req("GET", "/", Map.of()));
        assertThat(get.name()).isEqualTo("default");
        assertThat(get.action()).isEqualTo(RouteAction.Forward.to("outbound|5432||db.shop.svc.cluster.local"));

        VirtualHost admin = table.select("db.shop.svc.cluster.local:6000");
        Route adminConnect = admin.select(new Req("CONNECT", "/", Map.of()));
        assertThat(adminConnect.name()).as("no tcp route for 6000: the service's own endpoints").isEqualTo("default");
        assertThat(adminConnect.action()).isEqualTo(RouteAction.Forward.to("outbound|6000||db.shop.svc.cluster.local"));
    }

    @Test
    void subsetClustersHoldTheirEndpointsAndMergedPolicy() {
        ProxySnapshot s = translate(SHOP, FRONTEND).snapshot();
        ClusterConfig v1 = s.clusters().get("outbound|9080|v1|reviews.shop.svc.cluster.local");
        assertThat(v1.endpoints()).extracting(Endpoint::address).containsExactly(new HostPort("127.0.0.11", 19080));
        assertThat(v1.lbPolicy()).isEqualTo(dev.ficus.xds.snapshot.LbPolicy.ROUND_ROBIN);
        assertThat(v1.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(v1.limits().maxConnections()).isEqualTo(10);
        ClusterConfig v2 = s.clusters().get("outbound|9080|v2|reviews.shop.svc.cluster.local");
        assertThat(v2.endpoints()).extracting(Endpoint::address).containsExactly(new HostPort("127.0.0.12", 9080));
        assertThat(v2.lbPolicy()).isEqualTo(dev.ficus.xds.snapshot.LbPolicy.RANDOM);
    }

    @Test
    void aDnsServiceEntryWithoutEndpointsResolvesItsHostAsWritten() {
        // Istio: the host is the endpoint's DNS name; a name without dots (localhost, a VM's short
        // name) became <name>.<namespace>.svc.cluster.local, which resolves nowhere: 503 on every request
        String yaml = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: legacy, namespace: shop}
                spec:
                  hosts: [localhost, legacy.example.com]
                  location: MESH_EXTERNAL
                  resolution: DNS
                  ports: [{number: 8080, name: http, protocol: HTTP}]
                """;
        ProxySnapshot s = translate(yaml, FRONTEND).snapshot();
        assertThat(s.clusters().get("outbound|8080||localhost.shop.svc.cluster.local").endpoints()).extracting(Endpoint::address)
                .containsExactly(new HostPort("localhost", 8080));
        assertThat(s.clusters().get("outbound|8080||legacy.example.com").endpoints()).extracting(Endpoint::address)
                .containsExactly(new HostPort("legacy.example.com", 8080));
    }

    @Test
    void whatTheProxyDoesNotApplyYetIsNotedWithItsPosition() {
        Translation t = translate(SHOP.replace("retries: {attempts: 3}", "retries: {attempts: 3, retryOn: 'reset,envoy-ratelimited'}")
                + "    corsPolicy: {allowOrigins: [{exact: 'https://a.example'}]}\n", FRONTEND);
        assertThat(t.notes()).extracting(Diagnostic::format).containsExactly(
                "shop.yaml:45:28: warning: VirtualService/reviews spec.http[1].retries.retryOn: retry condition 'envoy-ratelimited' is not known to the proxy; it is ignored");
    }

    @Test
    void shortNamesAnswerOnlyInTheirOwnNamespace() {
        ProxySnapshot s = translate(SHOP, new ProxyIdentity("x", "other", Map.of(), null)).snapshot();
        assertThat(s.routeTables().get("outbound").select("reviews")).isNull();
        assertThat(s.routeTables().get("outbound").select("reviews.shop")).isNotNull();
    }

    @Test
    void gatewaysSelectedByLabelsGetListenersWithTheirVirtualServices() {
        String yaml = SHOP + """
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: edge, namespace: shop}
                spec:
                  selector: {istio: ingressgateway}
                  servers: [{port: {number: 8080, name: http, protocol: HTTP}, hosts: ["*"]}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: edge, namespace: shop}
                spec:
                  hosts: ["*"]
                  gateways: [edge]
                  http:
                  - match: [{uri: {prefix: /reviews}}]
                    route: [{destination: {host: reviews, port: {number: 9080}, subset: v1}}]
                """;
        ProxySnapshot gw = translate(yaml, new ProxyIdentity("gw", "shop", Map.of("istio", "ingressgateway"), null)).snapshot();
        assertThat(gw.listeners()).extracting(ListenerConfig::name).containsExactly("gateway:8080", "outbound");
        VirtualHost vh = gw.routeTables().get("gateway:8080").select("anything.example.com");
        assertThat(vh.select(new Req("GET", "/reviews/1", Map.of())).action()).isEqualTo(new RouteAction.Forward(List.of(new WeightedCluster("outbound|9080|v1|reviews.shop.svc.cluster.local", 100))));
        assertThat(vh.select(new Req("GET", "/other", Map.of()))).isNull();
        ProxySnapshot sidecar = translate(yaml, FRONTEND).snapshot();
        assertThat(sidecar.listeners()).extracting(ListenerConfig::name).containsExactly("outbound");
    }

    /**
     * A tcp or tls route whose destination names no port goes to the service's only port, as in
     * Istio (GetDestinationCluster), not to the listener's: a gateway on 21302 sent connections to
     * echo's endpoint on 21302, which on one host was the gateway itself, looping until the proxy
     * ran out of file descriptors.
     */
    @Test
    void aTcpOrTlsRouteWithoutAPortGoesToTheServicesOnlyPort() {
        String yaml = """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: edge, namespace: default}
                spec:
                  selector: {istio: ingressgateway}
                  servers:
                  - port: {number: 21302, name: tcp, protocol: TCP}
                    hosts: ["*"]
                  - port: {number: 21443, name: tls, protocol: TLS}
                    hosts: ["*"]
                    tls: {mode: PASSTHROUGH}
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: echo, namespace: default}
                spec:
                  hosts: [echo.default.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9000, name: tcp, protocol: TCP}]
                  endpoints: [{address: 127.0.0.1, ports: {tcp: 21020}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: echo, namespace: default}
                spec:
                  hosts: ["*"]
                  gateways: [edge]
                  tls:
                  - match: [{sniHosts: [echo.example.com]}]
                    route: [{destination: {host: echo}}]
                  tcp:
                  - route: [{destination: {host: echo}}]
                """;
        Translation t = translate(yaml, new ProxyIdentity("gw", "default", Map.of("istio", "ingressgateway"), null));
        assertThat(t.notes()).isEmpty();
        ProxySnapshot s = t.snapshot();
        String cluster = "outbound|9000||echo.default.svc.cluster.local";
        for (String listener : List.of("gateway:21302", "gateway:21443")) {
            ListenerConfig l = s.listeners().stream().filter(x -> x.name().equals(listener)).findFirst().orElseThrow();
            assertThat(l.tcpRoutes().routes()).as(listener).isNotEmpty().allSatisfy(r -> assertThat(r.action().clusters()).extracting(WeightedCluster::cluster).containsExactly(cluster));
        }
        assertThat(s.clusters().get(cluster).endpoints()).extracting(e -> e.address().port()).containsExactly(21020);
        assertThat(s.clusters().keySet()).noneMatch(c -> c.startsWith("outbound|21302|") || c.startsWith("outbound|21443|"));
    }

    @Test
    void aVirtualServiceWhoseHostsNoServerOfItsGatewayTakesIsNoted() {
        // the server takes only hosts of namespace shop: a VirtualService of another namespace got
        // 404 NR (gRPC: UNIMPLEMENTED) with nothing in the log to say why
        String yaml = SHOP + """
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: edge, namespace: istio-system}
                spec:
                  selector: {istio: ingressgateway}
                  servers: [{port: {number: 8080, name: http, protocol: HTTP}, hosts: ["shop/*.example.com"]}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: echo, namespace: apps}
                spec:
                  hosts: [echo.example.com]
                  gateways: [istio-system/edge]
                  http:
                  - route: [{destination: {host: reviews.shop.svc.cluster.local}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: web, namespace: shop}
                spec:
                  hosts: [web.example.com]
                  gateways: [istio-system/edge]
                  http:
                  - route: [{destination: {host: reviews.shop.svc.cluster.local}}]
                """;
        Translation t = translate(yaml, new ProxyIdentity("gw", "istio-system", Map.of("istio", "ingressgateway"), null));
        assertThat(t.notes()).extracting(Diagnostic::format).containsExactly(
                "shop.yaml:59:3: warning: VirtualService/echo spec.gateways: no HTTP server of Gateway istio-system/edge takes the hosts [echo.example.com]"
                        + " of this apps VirtualService (server hosts [shop/*.example.com]); its requests get 404 NR there");
        assertThat(t.snapshot().routeTables().get("gateway:8080").select("web.example.com")).isNotNull();
    }

    @Test
    void aShortVirtualServiceHostOnAGatewayIsTheServiceInTheVirtualServicesNamespace() {
        // Istio reads a short name in hosts in the VirtualService's namespace, on gateways too:
        // clients of the gateway send the service's full name, not the short one
        String yaml = SHOP + """
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: edge, namespace: shop}
                spec:
                  selector: {istio: ingressgateway}
                  servers: [{port: {number: 8080, name: http, protocol: HTTP}, hosts: ["*"]}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: edge, namespace: shop}
                spec:
                  hosts: [reviews]
                  gateways: [edge]
                  http:
                  - route: [{destination: {host: reviews, port: {number: 9080}, subset: v1}}]
                """;
        ProxySnapshot gw = translate(yaml, new ProxyIdentity("gw", "shop", Map.of("istio", "ingressgateway"), null)).snapshot();
        var table = gw.routeTables().get("gateway:8080");
        assertThat(table.select("reviews.shop.svc.cluster.local")).isNotNull();
        assertThat(table.select("reviews.shop.svc.cluster.local:8080")).isNotNull();
        assertThat(table.select("reviews")).isNull();
    }

    @Test
    void sidecarIngressForwardsToTheApplication() {
        String yaml = SHOP + """
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: frontend, namespace: shop}
                spec:
                  workloadSelector: {labels: {app: frontend}}
                  ingress: [{port: {number: 15006, protocol: HTTP, name: http}, defaultEndpoint: 127.0.0.1:8080}]
                  egress: [{port: {number: 9080, protocol: HTTP, name: http}, bind: 127.0.0.1, hosts: [shop/reviews.shop.svc.cluster.local]}]
                """;
        ProxySnapshot s = translate(yaml, FRONTEND).snapshot();
        assertThat(s.listeners()).extracting(ListenerConfig::name).containsExactly("inbound:15006", "egress:9080", "outbound");
        assertThat(s.clusters().get("inbound|15006||").endpoints()).extracting(Endpoint::address).containsExactly(new HostPort("127.0.0.1", 8080));
        assertThat(s.routeTables().get("egress:9080").select("reviews:9080")).isNotNull();
    }

    /**
     * The app behind a Sidecar ingress port is spoken to as Istio's inbound cluster speaks to it:
     * HTTP/2 (h2c) for a GRPC or HTTP2 port, the client's own protocol on a sniffed port, HTTP/1.1
     * for an HTTP one. Every gRPC call to a GRPC ingress port used to fail with 502 UPE: the
     * proxy spoke HTTP/1.1 to a gRPC server.
     */
    @Test
    void aSidecarIngressPortSpeaksToTheAppInTheProtocolItsPortSays() {
        String yaml = SHOP + """
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: frontend, namespace: shop}
                spec:
                  workloadSelector: {labels: {app: frontend}}
                  ingress:
                  - {port: {number: 15006, protocol: GRPC, name: grpc}, defaultEndpoint: 127.0.0.1:8080}
                  - {port: {number: 15007, protocol: HTTP2, name: http2}, defaultEndpoint: 127.0.0.1:8081}
                  - {port: {number: 15008, name: any}, defaultEndpoint: 127.0.0.1:8082}
                  - {port: {number: 15009, protocol: HTTP, name: http}, defaultEndpoint: 127.0.0.1:8083}
                """;
        var clusters = translate(yaml, FRONTEND).snapshot().clusters();
        assertThat(clusters.get("inbound|15006||").upstreamProtocol()).isEqualTo(dev.ficus.xds.snapshot.UpstreamProtocol.HTTP2);
        assertThat(clusters.get("inbound|15007||").upstreamProtocol()).isEqualTo(dev.ficus.xds.snapshot.UpstreamProtocol.HTTP2);
        assertThat(clusters.get("inbound|15008||").upstreamProtocol()).isEqualTo(dev.ficus.xds.snapshot.UpstreamProtocol.CLIENT);
        assertThat(clusters.get("inbound|15009||").upstreamProtocol()).isEqualTo(dev.ficus.xds.snapshot.UpstreamProtocol.HTTP1);
    }

    @Test
    void aSidecarIngressPortWithoutAProtocolIsSniffedAsIstioDoes() {
        // Istio reads only port.protocol of an ingress port: without it, HTTP or else opaque TCP,
        // told apart per connection, whatever the name says; a name that reads as another
        // protocol than the one served is noted where it is written
        String yaml = SHOP + """
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: frontend, namespace: shop}
                spec:
                  workloadSelector: {labels: {app: frontend}}
                  ingress:
                  - {port: {number: 15006, name: cache}, defaultEndpoint: 127.0.0.1:11211}
                  - {port: {number: 15007, name: http-web}, defaultEndpoint: 127.0.0.1:8080}
                  - {port: {number: 15008, name: tcp-db}, defaultEndpoint: 127.0.0.1:5432}
                  - {port: {number: 15009, name: http-legacy, protocol: TCP}, defaultEndpoint: 127.0.0.1:8081}
                  - {port: {number: 15010, name: grpc-api, protocol: HTTP}, defaultEndpoint: 127.0.0.1:8082}
                  - {port: {number: 15011, name: tcp, protocol: TCP}, defaultEndpoint: 127.0.0.1:8083}
                """;
        Translation t = translate(yaml, FRONTEND);
        ProxySnapshot s = t.snapshot();
        ListenerConfig auto = s.listeners().getFirst();
        assertThat(auto.name()).isEqualTo("inbound:15006");
        assertThat(auto.protocol()).isEqualTo(dev.ficus.xds.snapshot.ListenerProtocol.AUTO);
        assertThat(s.routeTables().get(auto.routeTable()).select("anything")).isNotNull();
        assertThat(auto.tcpRoutes().routes()).extracting(r -> r.action()).containsExactly(RouteAction.Forward.to("inbound|15006||"));
        assertThat(s.listeners()).extracting(ListenerConfig::name, ListenerConfig::protocol).startsWith(
                org.assertj.core.groups.Tuple.tuple("inbound:15006", dev.ficus.xds.snapshot.ListenerProtocol.AUTO),
                org.assertj.core.groups.Tuple.tuple("inbound:15007", dev.ficus.xds.snapshot.ListenerProtocol.AUTO),
                org.assertj.core.groups.Tuple.tuple("inbound:15008", dev.ficus.xds.snapshot.ListenerProtocol.AUTO),
                org.assertj.core.groups.Tuple.tuple("inbound:15009", dev.ficus.xds.snapshot.ListenerProtocol.TCP),
                org.assertj.core.groups.Tuple.tuple("inbound:15010", dev.ficus.xds.snapshot.ListenerProtocol.HTTP),
                org.assertj.core.groups.Tuple.tuple("inbound:15011", dev.ficus.xds.snapshot.ListenerProtocol.TCP));
        assertThat(s.listeners().get(2).tcpRoutes().routes()).extracting(r -> r.action()).containsExactly(RouteAction.Forward.to("inbound|15008||"));
        assertThat(t.notes()).extracting(Diagnostic::format).filteredOn(n -> n.contains("Sidecar/frontend")).containsExactly(
                "shop.yaml:54:28: warning: Sidecar/frontend spec.ingress[1].port.name: the name 'http-web' reads as HTTP, but a Sidecar ingress port takes its protocol"
                        + " from port.protocol only (as in Istio): without it, each connection is sniffed (HTTP/1.x or h2c as HTTP, anything else as opaque TCP);"
                        + " set protocol: HTTP to serve HTTP",
                "shop.yaml:55:28: warning: Sidecar/frontend spec.ingress[2].port.name: the name 'tcp-db' reads as TCP, but a Sidecar ingress port takes its protocol"
                        + " from port.protocol only (as in Istio): without it, each connection is sniffed (HTTP/1.x or h2c as HTTP, anything else as opaque TCP);"
                        + " set protocol: TCP to serve TCP",
                "shop.yaml:56:28: warning: Sidecar/frontend spec.ingress[3].port.name: the name 'http-legacy' reads as HTTP, but the port is served as TCP, its port.protocol");
    }

    @Test
    void unknownDestinationsGiveAnEmptyClusterAndANote() {
        String yaml = """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: legacy}
                spec:
                  hosts: [legacy.example.com]
                  http:
                  - route: [{destination: {host: nowhere.example.com}}]
                """;
        Translation t = translate(yaml, FRONTEND);
        assertThat(t.snapshot().clusters().get("outbound|80||nowhere.example.com").endpoints()).isEmpty();
        assertThat(t.snapshot().routeTables().get("outbound").select("legacy.example.com")).isNotNull();
        assertThat(t.notes()).extracting(Diagnostic::format).containsExactly(
                "shop.yaml:7:28: warning: VirtualService/legacy spec.http[0].route[0].destination.host: nowhere.example.com is not a service of the registry (no ServiceEntry declares it); requests get 503 UH");
    }

    @Test
    void equalConfigurationsGiveEqualVersions() {
        assertThat(translate(SHOP, FRONTEND).snapshot().version()).isEqualTo(translate(SHOP, FRONTEND).snapshot().version());
        assertThat(translate(SHOP.replace("timeout: 3s", "timeout: 4s"), FRONTEND).snapshot().version())
                .isNotEqualTo(translate(SHOP, FRONTEND).snapshot().version());
    }

    @Test
    void everyValidSampleTranslates() throws Exception {
        var dir = java.nio.file.Path.of(TranslatorTest.class.getResource("/").toURI()).resolve("../../../ficus-api/src/test/resources/fixtures/istio/bookinfo").normalize();
        ConfigLoader.Result r = Validator.loadAndValidate(List.of(dir.toString()), System.in);
        for (var labels : List.of(Map.<String, String>of(), Map.of("istio", "ingressgateway"))) {
            Translation t = Translator.translate(Validator.effective(r.config()), new ProxyIdentity("p", "default", labels, null), TranslateOptions.DEFAULTS);
            assertThat(t.snapshot().routeTables()).isNotEmpty();
        }
    }
}
