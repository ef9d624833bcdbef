package dev.ficus.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Zero trust without a flag day, as a new user would see it under {@code ./ficus up}: the web
 * workload calls reviews through the mesh (auto mTLS, certificates from the control plane's CA);
 * under PERMISSIVE a plaintext client reaches reviews' inbound port too and {@code ficus mtls
 * status} names it; after a STRICT PeerAuthentication that client is refused while mesh traffic
 * flows; an ALLOW AuthorizationPolicy admits web's identity and denies the rest.
 */
class MeshSecurityIT {
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) c.close();
    }

    static String config(Path reviewsJava, int inbound, int app) {
        return """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: web, namespace: shop}
                spec: {address: 127.0.0.1, labels: {app: web}, serviceAccount: web}
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: web, namespace: shop}
                spec:
                  workloadSelector: {labels: {app: web}}
                  egress: [{hosts: ["./*"]}]
                ---
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
                # reviews has a proxy in front of it (the Sidecar's inbound port): the label turns on auto mTLS
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: reviews-v1, namespace: shop}
                spec:
                  address: 127.0.0.1
                  ports: {http: %2$d}
                  labels: {app: reviews, version: v1, security.istio.io/tlsMode: istio}
                  serviceAccount: reviews
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: reviews, namespace: shop}
                spec:
                  workloadSelector: {labels: {app: reviews}}
                  ingress: [{port: {number: %2$d, protocol: HTTP, name: http}, bind: 127.0.0.1, defaultEndpoint: "127.0.0.1:%3$d"}]
                ---
                apiVersion: mesh.ficus.dev/v1alpha1
                kind: App
                metadata: {name: reviews-v1, namespace: shop}
                spec:
                  command: ["${FICUS_JAVA}", "%1$s"]
                  workload: reviews-v1
                  port: %3$d
                  env: {PORT: "%3$d", VERSION: v1}
                  readinessProbe: {httpGet: {path: /healthz}, periodSeconds: 1}
                """.formatted(reviewsJava, inbound, app);
    }

    static final String STRICT = """
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata: {name: default, namespace: shop}
            spec: {mtls: {mode: STRICT}}
            """;

    static final String ONLY_WEB = """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: reviews-from-web, namespace: shop}
            spec:
              selector: {matchLabels: {app: reviews}}
              action: ALLOW
              rules: [{from: [{source: {principals: ["cluster.local/ns/shop/sa/web"]}}]}]
            """;

    @TempDir
    Path caDir;

    @Test
    void permissiveThenStrictThenAuthorization(@TempDir Path dir) throws Exception {
        Path reviews = FicusCommandIT.ROOT.resolve("examples/shop/apps/Reviews.java");
        int inbound = UpCommandIT.freePort(), app = UpCommandIT.freePort(), outbound = UpCommandIT.freePort(), admin = UpCommandIT.freePort();
        Files.writeString(dir.resolve("mesh.yaml"), config(reviews, inbound, app));
        FicusProcess up = FicusProcess.start("up", dir.toString(), "--sync-port", "0", "--http-port", "0", "--ca-dir", caDir.toString(),
                "--admin-port", Integer.toString(admin), "--outbound-port", Integer.toString(outbound));
        cleanup.add(up);
        up.await("^ficus up: ", Duration.ofSeconds(180));
        up.await("certificate issued for spiffe://cluster.local/ns/shop/sa/web", Duration.ofSeconds(10));
        // the proxies enrolled on the TLS sync port, with the bootstrap token ficus up handed them, and sync there
        String tlsPort = up.await("sync \\(TLS\\) 127\\.0\\.0\\.1:(\\d+)", Duration.ofSeconds(5));
        assertThat(up.await("waiting for the control plane at 127\\.0\\.0\\.1:(\\d+) \\(TLS\\)", Duration.ofSeconds(5))).isEqualTo(tlsPort);
        up.await("certificate issued to \\S+ for shop/web at /127\\.0\\.0\\.1:", Duration.ofSeconds(5));
        assertThat(Files.getPosixFilePermissions(caDir.resolve("bootstrap-token"))).isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

        try (HttpConnection mesh = new HttpConnection(outbound)) {
            // through the mesh: web's proxy speaks mTLS to reviews' inbound port
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                    .until(() -> mesh.get("reviews.shop.svc.cluster.local:9080", "/api/reviews/1").status() == 200);
            // PERMISSIVE: a plaintext client on the same port is served, and the migration view names it
            assertThat(plaintextStatus(inbound)).isEqualTo(200);
            StringBuilder view = new StringBuilder();
            assertThat(FicusProcess.runInProcess(view, "mtls", "status", "--admin", "127.0.0.1:" + admin)).isEqualTo(1);
            assertThat(view.toString()).contains("mode PERMISSIVE").contains("mutual_tls  cluster.local/ns/shop/sa/web")
                    .contains("plaintext").contains("STRICT would refuse 1 plaintext caller(s)");

            // openssl, as a user would check: the inbound port presents reviews' SPIFFE identity
            Optional<String> openssl = opensslCertificate(inbound);
            openssl.ifPresent(text -> assertThat(text).contains("URI:spiffe://cluster.local/ns/shop/sa/reviews"));

            // STRICT: plaintext refused, mesh traffic unaffected
            Files.writeString(dir.resolve("strict.yaml"), STRICT);
            await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50)).until(() -> plaintextStatus(inbound) == -1);
            assertThat(mesh.get("reviews.shop.svc.cluster.local:9080", "/api/reviews/1").status()).isEqualTo(200);

            // authorization by identity: back to PERMISSIVE, only web's principal is allowed
            Files.delete(dir.resolve("strict.yaml"));
            Files.writeString(dir.resolve("authz.yaml"), ONLY_WEB);
            await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50)).until(() -> plaintextStatus(inbound) == 403);
            assertThat(mesh.get("reviews.shop.svc.cluster.local:9080", "/api/reviews/1").status()).isEqualTo(200);
        }
        up.process().destroy();
        assertThat(up.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
    }

    /** A plaintext GET straight to the inbound port: the status, or -1 when the connection was closed. */
    static int plaintextStatus(int port) {
        try {
            String r = dev.ficus.testing.RawHttp.exchange(port, "GET /api/reviews/1 HTTP/1.1\r\nHost: reviews\r\nConnection: close\r\n\r\n", Duration.ofSeconds(3));
            return dev.ficus.testing.RawHttp.status(r);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** {@code openssl s_client} to the port with the mesh ALPN, the server certificate as text; empty without openssl. */
    static Optional<String> opensslCertificate(int port) throws Exception {
        Optional<Path> openssl = WrkLikeTools.find("openssl");
        if (openssl.isEmpty()) return Optional.empty();
        Process s = new ProcessBuilder("sh", "-c", openssl.get() + " s_client -connect 127.0.0.1:" + port + " -alpn ficus-mesh </dev/null 2>/dev/null | "
                + openssl.get() + " x509 -noout -text").redirectErrorStream(true).start();
        assertThat(s.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return Optional.of(new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }


    /** Finds tools on PATH (and the sbin directories). */
    static final class WrkLikeTools {
        static Optional<Path> find(String tool) {
            List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)));
            dirs.addAll(List.of("/usr/sbin", "/usr/local/sbin", "/sbin"));
            return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, tool)).filter(Files::isExecutable).findFirst();
        }
    }
}
