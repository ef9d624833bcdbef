package dev.ficus.cli;

import dev.ficus.testing.FakeUpstream;
import dev.ficus.testing.TestCerts;
import dev.ficus.xds.ca.Pem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code ./ficus proxy --labels istio=ingressgateway} as an edge gateway: a Gateway HTTPS server
 * terminates TLS with PEM files and routes by the VirtualService bound to it, its HTTP server
 * redirects to https, and a renewed certificate file is served without a config change, all seen
 * by curl.
 */
class GatewayTlsIT {
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) c.close();
    }

    record Curl(int exit, String out) {
    }

    static Curl curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("curl finished").isTrue();
        return new Curl(p.exitValue(), out);
    }

    static void writeLeaf(Path dir, TestCerts ca, String host) throws Exception {
        TestCerts.Leaf leaf = ca.dns(host);
        Files.writeString(dir.resolve("tls.key.tmp"), Pem.encode(leaf.key()));
        Files.writeString(dir.resolve("tls.crt.tmp"), Pem.encode(leaf.chain()));
        Files.move(dir.resolve("tls.key.tmp"), dir.resolve("tls.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.move(dir.resolve("tls.crt.tmp"), dir.resolve("tls.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(dir.resolve("ca.pem"), Pem.encode(ca.root()));
    }

    @Test
    void anHttpsGatewayServerTerminatesTlsRoutesRedirectsAndServesARenewedCertificate(@TempDir Path dir, @TempDir Path certs) throws Exception {
        FakeUpstream web = FakeUpstream.start("web");
        cleanup.add(web);
        writeLeaf(certs, TestCerts.authority("edge-ca"), "shop.example.com");
        int https = UpCommandIT.freePort();
        int http = UpCommandIT.freePort();
        Files.writeString(dir.resolve("edge.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: edge, namespace: shop}
                spec:
                  selector: {istio: ingressgateway}
                  servers:
                  - port: {number: %1$d, name: https, protocol: HTTPS}
                    bind: 127.0.0.1
                    hosts: [shop.example.com]
                    tls: {mode: SIMPLE, serverCertificate: %3$s/tls.crt, privateKey: %3$s/tls.key}
                  - port: {number: %2$d, name: http, protocol: HTTP}
                    bind: 127.0.0.1
                    hosts: [shop.example.com]
                    tls: {httpsRedirect: true}
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: web, namespace: shop}
                spec:
                  hosts: [web.shop.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 8080, name: http, protocol: HTTP}]
                  endpoints: [{address: 127.0.0.1, ports: {http: %4$d}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: shop, namespace: shop}
                spec:
                  hosts: [shop.example.com]
                  gateways: [edge]
                  http: [{route: [{destination: {host: web.shop.svc.cluster.local, port: {number: 8080}}}]}]
                """.formatted(https, http, certs, web.port()));
        ProxyProcess proxy = ProxyProcess.start(dir, "--labels", "istio=ingressgateway");
        cleanup.add(proxy);
        String resolve = "shop.example.com:" + https + ":127.0.0.1";
        String url = "https://shop.example.com:" + https + "/cart";

        Curl ok = curl("--cacert", certs.resolve("ca.pem").toString(), "--resolve", resolve, "-w", " %{http_code} %{http_version}", url);
        assertThat(ok.out()).as(String.join("\n", proxy.log())).isEqualTo("web 200 2");
        assertThat(web.seen()).anyMatch(s -> s.path().equals("/cart"));

        Curl redirect = curl("-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "-H", "Host: shop.example.com", "http://127.0.0.1:" + http + "/cart?x=1");
        assertThat(redirect.out()).isEqualTo("301 https://shop.example.com/cart?x=1");

        // a renewed certificate (here from a new CA, so that curl tells them apart) is served without a config change
        writeLeaf(certs, TestCerts.authority("renewed-ca"), "shop.example.com");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(curl("--cacert", certs.resolve("ca.pem").toString(), "--resolve", resolve, "-w", " %{http_code}", url).out()).isEqualTo("web 200"));
        assertThat(proxy.log()).anyMatch(l -> l.contains("TLS certificate files changed"));
    }
}
