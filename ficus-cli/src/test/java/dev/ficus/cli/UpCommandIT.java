package dev.ficus.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code ./ficus up DIR} as a newcomer runs it: the control plane, the node proxy and an app it
 * starts from an {@code App} resource; traffic through the proxy reaches the app; a VirtualService
 * edit is applied; a SIGKILL of the control plane leaves traffic flowing and ficus up restarts it;
 * SIGTERM stops everything it started and exits 0.
 */
class UpCommandIT {
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) c.close();
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static String config(Path reviewsJava, int v1, int v2, int v1Weight) {
        return """
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
                spec: {address: 127.0.0.1, ports: {http: %2$d}, labels: {app: reviews, version: v1}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: reviews-v2, namespace: shop}
                spec: {address: 127.0.0.1, ports: {http: %3$d}, labels: {app: reviews, version: v2}}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews, namespace: shop}
                spec:
                  host: reviews.shop.svc.cluster.local
                  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews, namespace: shop}
                spec:
                  hosts: [reviews.shop.svc.cluster.local]
                  http:
                  - route:
                    - {destination: {host: reviews.shop.svc.cluster.local, subset: v1}, weight: %4$d}
                    - {destination: {host: reviews.shop.svc.cluster.local, subset: v2}, weight: %5$d}
                ---
                apiVersion: mesh.ficus.dev/v1alpha1
                kind: App
                metadata: {name: reviews-v1, namespace: shop}
                spec:
                  command: ["${FICUS_JAVA}", "%1$s"]
                  workload: reviews-v1
                  port: %2$d
                  env: {PORT: "%2$d", VERSION: v1}
                  readinessProbe: {httpGet: {path: /healthz}, periodSeconds: 1}
                ---
                apiVersion: mesh.ficus.dev/v1alpha1
                kind: App
                metadata: {name: reviews-v2, namespace: shop}
                spec:
                  command: ["${FICUS_JAVA}", "%1$s"]
                  workload: reviews-v2
                  port: %3$d
                  env: {PORT: "%3$d", VERSION: v2}
                  readinessProbe: {tcpSocket: {}, periodSeconds: 1}
                """.formatted(reviewsJava, v1, v2, v1Weight, 100 - v1Weight);
    }

    @TempDir
    Path caDir;

    @Test
    void upRunsTheMeshAndItsAppsAndStopsEverythingItStarted(@TempDir Path dir) throws Exception {
        Path reviews = FicusCommandIT.ROOT.resolve("examples/shop/apps/Reviews.java");
        int v1 = freePort(), v2 = freePort(), outbound = freePort(), admin = freePort();
        Path file = dir.resolve("shop.yaml");
        Files.writeString(file, config(reviews, v1, v2, 100));
        FicusProcess up = FicusProcess.start("up", dir.toString(), "--sync-port", "0", "--http-port", "0", "--ca-dir", caDir.toString(),
                "--admin-port", Integer.toString(admin), "--outbound-port", Integer.toString(outbound));
        cleanup.add(up);
        up.await("^ficus up: ", Duration.ofSeconds(180));
        long v1Pid = Long.parseLong(up.await("app reviews-v1 +pid (\\d+)", Duration.ofSeconds(1)));
        long v2Pid = Long.parseLong(up.await("app reviews-v2 +pid (\\d+)", Duration.ofSeconds(1)));
        long proxyPid = Long.parseLong(up.await("proxy: waiting for the control plane at .* as (\\d+)@", Duration.ofSeconds(1)));
        long controlPid = Long.parseLong(up.await("control plane +pid (\\d+)", Duration.ofSeconds(1)));
        assertThat(controlPid).isNotIn(ProcessHandle.current().pid(), up.process().pid(), proxyPid);
        assertThat(up.log()).anyMatch(l -> l.contains("proxy proxy") && l.contains("workloads reviews-v1, reviews-v2"));

        try (HttpConnection c = new HttpConnection(outbound)) {
            assertThat(c.get("reviews.shop.svc.cluster.local:9080", "/api/reviews/1").body()).contains("\"source\":\"reviews-v1\"");
            Files.writeString(file, config(reviews, v1, v2, 0));
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20))
                    .until(() -> c.get("reviews.shop.svc.cluster.local:9080", "/api/reviews/1").body().contains("\"source\":\"reviews-v2\""));

            // kill -9 of the control plane: the mesh keeps serving its last config, ficus up restarts it, edits apply again
            ProcessHandle control = ProcessHandle.of(controlPid).orElseThrow();
            assertThat(control.destroyForcibly()).isTrue();
            control.onExit().get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 50; i++) {
                var r = c.get("reviews.shop.svc.cluster.local:9080", "/api/reviews/1");
                assertThat(r.status()).as("request %d with the control plane killed", i).isEqualTo(200);
                assertThat(r.body()).contains("\"source\":\"reviews-v2\"");
            }
            controlPid = Long.parseLong(up.await("control plane restarted \\(pid (\\d+)\\)", Duration.ofSeconds(120)));
            Files.writeString(file, config(reviews, v1, v2, 100));
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> c.get("reviews.shop.svc.cluster.local:9080", "/api/reviews/1").body().contains("\"source\":\"reviews-v1\""));
        }

        up.process().destroy(); // SIGTERM, as Ctrl-C would
        assertThat(up.process().waitFor(60, TimeUnit.SECONDS)).as(up.toString()).isTrue();
        assertThat(up.process().exitValue()).as(up.toString()).isZero();
        for (long pid : new long[]{v1Pid, v2Pid, proxyPid, controlPid}) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("pid %d still running", pid).isFalse();
        }
    }

    @Test
    void aConfigWithErrorsStartsNothing(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("shop.yaml"), config(Path.of("Reviews.java"), 1, 2, 100).replace("workload: reviews-v2", "workload: reviews-v3"));
        FicusProcess up = FicusProcess.start("up", dir.toString(), "--sync-port", "0", "--http-port", "0", "--ca-dir", caDir.toString());
        cleanup.add(up);
        assertThat(up.process().waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(up.process().exitValue()).isEqualTo(1);
        assertThat(up.toString()).contains("shop.yaml:").contains("reviews-v3").doesNotContain("ficus up:");
    }
}
