package dev.ficus.xds.translate;

import dev.ficus.api.config.Diagnostic;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.ServerTls;
import dev.ficus.xds.snapshot.VirtualHost;
import dev.ficus.xds.wire.SnapshotCodec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Gateway TLS servers (HTTPS termination, httpsRedirect, passthrough) and Sidecar ingress tls as the translator gives them to the proxy. */
class GatewayTlsTranslationTest {
    static final ProxyIdentity GATEWAY = new ProxyIdentity("gw", "shop", Map.of("istio", "ingressgateway"), null);

    static final String VS = """
            ---
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
            kind: VirtualService
            metadata: {name: a, namespace: shop}
            spec:
              hosts: [a.example.com]
              gateways: [edge]
              http: [{route: [{destination: {host: web.shop.svc.cluster.local, port: {number: 8080}}}]}]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: b, namespace: shop}
            spec:
              hosts: [b.example.com]
              gateways: [edge]
              http: [{route: [{destination: {host: web.shop.svc.cluster.local, port: {number: 8080}}}]}]
            """;

    static Translation translate(String yaml) { return TranslatorTest.translate(yaml, GATEWAY); }

    @Test
    void httpsServersOnOnePortBecomeOneListenerWithATlsServerPerSniAndItsOwnRoutes() {
        Translation t = translate("""
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: edge, namespace: shop}
                spec:
                  selector: {istio: ingressgateway}
                  servers:
                  - port: {number: 8443, name: https-a, protocol: HTTPS}
                    hosts: [a.example.com]
                    tls: {mode: SIMPLE, serverCertificate: /certs/a.pem, privateKey: /certs/a.key, minProtocolVersion: TLSV1_3}
                  - port: {number: 8443, name: https-b, protocol: HTTPS}
                    hosts: [shop/b.example.com]
                    tls:
                      mode: MUTUAL
                      serverCertificate: /certs/b.pem
                      privateKey: /certs/b.key
                      caCertificates: /certs/ca.pem
                      subjectAltNames: [client.example.com]
                      cipherSuites: [ECDHE-ECDSA-AES128-GCM-SHA256]
                """ + VS);
        assertThat(t.notes()).isEmpty();
        ProxySnapshot s = t.snapshot();
        ListenerConfig l = s.listeners().stream().filter(x -> x.name().equals("gateway:8443")).findFirst().orElseThrow();
        assertThat(l.kind()).isEqualTo(ListenerKind.GATEWAY);
        assertThat(l.tls()).hasSize(2);
        ServerTls a = l.tls().get(0), b = l.tls().get(1);
        assertThat(a.mode()).isEqualTo(ServerTls.Mode.SIMPLE);
        assertThat(a.sniHosts()).containsExactly("a.example.com");
        assertThat(a.minProtocolVersion()).isEqualTo("TLSv1.3");
        assertThat(a.serverCertificate()).isEqualTo("/certs/a.pem");
        assertThat(a.source()).startsWith("shop.yaml:").contains("Gateway/edge spec.servers[0].tls");
        assertThat(b.mode()).isEqualTo(ServerTls.Mode.MUTUAL);
        assertThat(b.sniHosts()).containsExactly("b.example.com");
        assertThat(b.caCertificates()).isEqualTo("/certs/ca.pem");
        assertThat(b.subjectAltNames()).containsExactly("client.example.com");
        assertThat(b.cipherSuites()).containsExactly("ECDHE-ECDSA-AES128-GCM-SHA256");
        // each server routes only the hosts it covers, as Istio gives each HTTPS server its own route config
        assertThat(s.routeTables().get(a.routeTable()).virtualHosts()).flatExtracting(VirtualHost::domains).contains("a.example.com").doesNotContain("b.example.com");
        assertThat(s.routeTables().get(b.routeTable()).virtualHosts()).flatExtracting(VirtualHost::domains).contains("b.example.com").doesNotContain("a.example.com");
        // the wire form carries it all
        assertThat(SnapshotCodec.decodeSnapshot(SnapshotCodec.encodeSnapshot(s))).isEqualTo(s);
    }

    @Test
    void httpsRedirectAnswersEveryRequestOfTheServersHostsWith301ToHttps() {
        ProxySnapshot s = translate("""
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: edge, namespace: shop}
                spec:
                  selector: {istio: ingressgateway}
                  servers:
                  - port: {number: 8080, name: http, protocol: HTTP}
                    hosts: [a.example.com]
                    tls: {httpsRedirect: true}
                  - port: {number: 8080, name: http-b, protocol: HTTP}
                    hosts: [b.example.com]
                """ + VS).snapshot();
        var table = s.routeTables().get("gateway:8080");
        assertThat(table.select("a.example.com").routes()).singleElement()
                .satisfies(r -> assertThat(r.action()).isEqualTo(new RouteAction.Redirect("https", null, null, 301)));
        assertThat(table.select("b.example.com").routes().getFirst().action()).isInstanceOf(RouteAction.Forward.class);
    }

    @Test
    void credentialNameAndAutoPassthroughAreNotedWithTheirFieldAndTheServerSkippedWhileIstioMutualIsServed() {
        Translation t = translate("""
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: edge, namespace: shop}
                spec:
                  selector: {istio: ingressgateway}
                  servers:
                  - port: {number: 8443, name: https, protocol: HTTPS}
                    hosts: [a.example.com]
                    tls: {mode: SIMPLE, credentialName: a-cert}
                  - port: {number: 9443, name: https-mesh, protocol: HTTPS}
                    hosts: [b.example.com]
                    tls: {mode: ISTIO_MUTUAL}
                  - port: {number: 15443, name: tls-auto, protocol: TLS}
                    hosts: ["*.local"]
                    tls: {mode: AUTO_PASSTHROUGH}
                """ + VS);
        assertThat(t.notes()).extracting(Diagnostic::format)
                .anySatisfy(n -> assertThat(n).matches("shop\\.yaml:\\d+:\\d+: warning: Gateway/edge spec\\.servers\\[0]\\.tls\\.credentialName: .*serverCertificate and privateKey.*"))
                .anySatisfy(n -> assertThat(n).contains("spec.servers[2].tls.mode: AUTO_PASSTHROUGH on a TLS gateway server is not served"));
        assertThat(t.snapshot().listeners()).extracting(ListenerConfig::name).doesNotContain("gateway:8443", "gateway:15443");
        ListenerConfig mesh = t.snapshot().listeners().stream().filter(x -> x.name().equals("gateway:9443")).findFirst().orElseThrow();
        assertThat(mesh.tls()).singleElement().satisfies(s -> {
            assertThat(s.mode()).isEqualTo(ServerTls.Mode.ISTIO_MUTUAL);
            assertThat(s.serverCertificate()).isNull();
        });
    }

    @Test
    void passthroughServersRouteTlsBySni() {
        ProxySnapshot s = translate("""
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: edge, namespace: shop}
                spec:
                  selector: {istio: ingressgateway}
                  servers:
                  - port: {number: 8443, name: tls, protocol: TLS}
                    hosts: [a.example.com]
                    tls: {mode: PASSTHROUGH}
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: web, namespace: shop}
                spec:
                  hosts: [a.example.com]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 443, name: tls, protocol: TLS}]
                  endpoints: [{address: 127.0.0.1}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: a, namespace: shop}
                spec:
                  hosts: [a.example.com]
                  gateways: [edge]
                  tls: [{match: [{sniHosts: [a.example.com]}], route: [{destination: {host: a.example.com, port: {number: 443}}}]}]
                """).snapshot();
        ListenerConfig l = s.listeners().stream().filter(x -> x.name().equals("gateway:8443")).findFirst().orElseThrow();
        assertThat(l.tls()).isEmpty();
        assertThat(l.tcpRoutes().routes()).singleElement().satisfies(r -> assertThat(r.sniHosts()).containsExactly("a.example.com"));
    }

    @Test
    void sidecarIngressTlsTerminatesOnTheInboundListener() {
        ProxySnapshot s = TranslatorTest.translate("""
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: app, namespace: shop}
                spec:
                  ingress:
                  - port: {number: 9443, name: https, protocol: HTTPS}
                    defaultEndpoint: 127.0.0.1:8080
                    tls: {mode: SIMPLE, serverCertificate: /certs/a.pem, privateKey: /certs/a.key}
                """.replace("protocol: HTTPS", "protocol: HTTP"), new ProxyIdentity("app", "shop", Map.of("app", "web"), null)).snapshot();
        ListenerConfig in = s.listeners().stream().filter(x -> x.kind() == ListenerKind.INBOUND).findFirst().orElseThrow();
        assertThat(in.tls()).singleElement().satisfies(t -> {
            assertThat(t.mode()).isEqualTo(ServerTls.Mode.SIMPLE);
            assertThat(t.routeTable()).isEqualTo(in.routeTable());
            assertThat(t.catchAll()).isTrue();
        });
        assertThat(List.of(in)).isNotEmpty();
    }
}
