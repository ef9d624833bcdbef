package dev.ficus.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.config.Diagnostic;
import dev.ficus.api.validate.Validator;
import dev.ficus.proxy.cluster.Passthrough;
import dev.ficus.testing.FakeUpstream;
import dev.ficus.testing.TcpEchoServer;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.translate.ProxyIdentity;
import dev.ficus.xds.translate.TranslateOptions;
import dev.ficus.xds.translate.Translator;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Istio's {@code outboundTrafficPolicy.egressProxy}, from YAML to real sockets: with ALLOW_ANY, a
 * host outside the registry is reached through the egress proxy (a registry service) instead of
 * directly. HTTP requests keep their Host; a CONNECT tunnel's bytes go to the egress proxy as they
 * are. The host itself is never contacted.
 */
class EgressProxyTest {
    final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
    }

    <T extends AutoCloseable> T later(T c) {
        closeLater.add(c);
        return c;
    }

    static String config(int egressPort, String outboundTrafficPolicy) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: egress, namespace: shop}
                spec:
                  hosts: [egress.shop.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 3128, name: http-proxy, protocol: HTTP}]
                  workloadSelector: {labels: {app: egress}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: egress-1, namespace: shop}
                spec: {address: 127.0.0.1, ports: {http-proxy: %d}, labels: {app: egress}}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: egress, namespace: shop}
                spec:
                  host: egress
                  trafficPolicy: {tls: {mode: DISABLE}}
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: web, namespace: shop}
                spec:
                  workloadSelector: {labels: {app: web}}
                  outboundTrafficPolicy: %s
                """.formatted(egressPort, outboundTrafficPolicy);
    }

    ProxyServer proxy(String yaml) throws Exception {
        ConfigLoader.Result r = Validator.loadAndValidateString("shop.yaml", yaml);
        assertThat(r.diagnostics().stream().filter(Diagnostic::isError).map(Diagnostic::format)).isEmpty();
        var t = Translator.translate(Validator.effective(r.config()), new ProxyIdentity("web", "shop", Map.of("app", "web"), null),
                TranslateOptions.DEFAULTS.withOutboundPort(0));
        assertThat(t.notes()).isEmpty();
        ProxySnapshot s = t.snapshot();
        return later(ProxyServer.builder().snapshot(s).concurrency(1).adminPort(-1).build().start());
    }

    static HttpClient viaProxy(ProxyServer p) {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", p.listenerPort("outbound")))).build();
    }

    @Test
    void httpRequestsForHostsOutsideTheRegistryGoToTheEgressProxyWithTheirHost() throws Exception {
        FakeUpstream egress = later(FakeUpstream.start("egress"));
        FakeUpstream outside = later(FakeUpstream.start("outside"));
        ProxyServer p = proxy(config(egress.port(), "{mode: ALLOW_ANY, egressProxy: {host: egress, port: {number: 3128}}}"));
        HttpClient client = viaProxy(p);
        for (String host : List.of("localhost", "127.0.0.1", "api.example.invalid")) { // a name that does not resolve is no DF here: it is never resolved
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + outside.port() + "/api/x?y=1"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("egress");
            FakeUpstream.Seen seen = egress.seen().getLast();
            assertThat(seen.header("host")).as("the authority the app asked for").isEqualTo(host + ":" + outside.port());
            assertThat(seen.path()).as("origin-form, as Envoy sends it").isEqualTo("/api/x?y=1");
        }
        assertThat(outside.requestCount()).as("never contacted directly").isZero();
        assertThat(outside.connectionCount()).isZero();
        assertThat(p.stats().cluster(Passthrough.CLUSTER).requests()).isZero();
        assertThat(p.stats().cluster("outbound|3128||egress.shop.svc.cluster.local").requests()).isEqualTo(3);
        // the registry's own hosts keep their routes: the egress proxy's host is reached as itself
        HttpResponse<String> own = client.send(HttpRequest.newBuilder(URI.create("http://egress.shop:3128/direct")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(own.statusCode()).isEqualTo(200);
        assertThat(egress.seen().getLast().header("host")).isEqualTo("egress.shop:3128");
    }

    @Test
    void aConnectTunnelToAHostOutsideTheRegistryCarriesItsBytesToTheEgressProxy() throws Exception {
        TcpEchoServer egress = later(TcpEchoServer.start("egress"));
        TcpEchoServer outside = later(TcpEchoServer.start("outside"));
        ProxyServer p = proxy(config(egress.port(), "{mode: ALLOW_ANY, egressProxy: {host: egress.shop.svc.cluster.local, port: {number: 3128}}}"));
        try (Socket s = new Socket("127.0.0.1", p.listenerPort("outbound"))) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String authority = "localhost:" + outside.port();
            out.write(("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 Connection Established");
            for (String l; (l = in.readLine()) != null && !l.isEmpty(); ) { /* headers */ }
            out.write("through\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            assertThat(in.readLine()).as("the tunnel's bytes, as they are, reach the egress proxy").isEqualTo("egress:through");
        }
        assertThat(egress.connectionCount()).isEqualTo(1);
        assertThat(outside.connectionCount()).as("never contacted directly").isZero();
    }

    @Test
    void withoutAnEgressProxyAllowAnyStillGoesStraightToTheHost() throws Exception {
        FakeUpstream egress = later(FakeUpstream.start("egress"));
        FakeUpstream outside = later(FakeUpstream.start("outside"));
        ProxyServer p = proxy(config(egress.port(), "{mode: ALLOW_ANY}"));
        HttpResponse<String> r = viaProxy(p).send(HttpRequest.newBuilder(URI.create("http://localhost:" + outside.port() + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.body()).isEqualTo("outside");
        assertThat(egress.requestCount()).isZero();
    }
}
