package dev.ficus.cli;

import dev.ficus.testing.FakeUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code ./ficus proxy} on a DestinationRule with outlier detection: an instance that starts
 * failing is ejected (its traffic moves to the healthy one, the admin port counts the ejection),
 * and comes back after the base ejection time once it recovers.
 */
class ProxyClusterIT {
    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private List<String> log = List.of();
    private Process proxy;

    @AfterEach
    void stop() throws Exception {
        if (proxy != null && proxy.isAlive()) proxy.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        for (AutoCloseable c : cleanup) c.close();
    }

    static String ratings(FakeUpstream a, FakeUpstream b) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: ratings, namespace: shop}
                spec:
                  hosts: [ratings.shop.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9080, name: http, protocol: HTTP}]
                  workloadSelector: {labels: {app: ratings}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: ratings-a, namespace: shop}
                spec: {address: 127.0.0.1, ports: {http: %d}, labels: {app: ratings}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: ratings-b, namespace: shop}
                spec: {address: 127.0.0.1, ports: {http: %d}, labels: {app: ratings}}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: ratings, namespace: shop}
                spec:
                  host: ratings
                  trafficPolicy:
                    loadBalancer: {simple: ROUND_ROBIN}
                    outlierDetection: {consecutive5xxErrors: 3, interval: 100ms, baseEjectionTime: 2s, maxEjectionPercent: 100}
                """.formatted(a.port(), b.port());
    }


    ProxyProcess.Ports start(Path config) throws IOException {
        ProxyProcess p = ProxyProcess.start(config);
        cleanup.add(p);
        proxy = p.process();
        log = p.log();
        return p.ports();
    }

    private FakeUpstream upstream(String name) {
        FakeUpstream u = FakeUpstream.start(name);
        cleanup.add(u);
        return u;
    }

    static String stats(int admin) throws IOException {
        try (HttpConnection c = new HttpConnection(admin)) {
            return c.get("127.0.0.1", "/stats/prometheus").body();
        }
    }

    @Test
    void aFailingInstanceIsEjectedAndReturnsAfterItRecovers(@TempDir Path dir) throws Exception {
        FakeUpstream a = upstream("a");
        FakeUpstream b = upstream("b");
        Files.writeString(dir.resolve("ratings.yaml"), ratings(a, b));
        ProxyProcess.Ports ports = start(dir);
        String cluster = "outbound|9080||ratings.shop.svc.cluster.local";
        try (HttpConnection c = new HttpConnection(ports.outbound())) {
            for (int i = 0; i < 10; i++) assertThat(c.get("ratings:9080", "/").status()).isEqualTo(200);
            assertThat(a.requestCount()).isEqualTo(5);

            a.failWith(503);
            for (int i = 0; i < 10 && !stats(ports.admin()).contains("ficus_cluster_outlier_ejections_active{cluster=\"" + cluster + "\"} 1"); i++) {
                c.get("ratings:9080", "/");
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> stats(ports.admin()).contains("ficus_cluster_outlier_ejections_active{cluster=\"" + cluster + "\"} 1"));
            long seen = a.requestCount();
            for (int i = 0; i < 20; i++) {
                HttpConnection.Response r = c.get("ratings:9080", "/");
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("b");
            }
            assertThat(a.requestCount()).as("no traffic while ejected").isEqualTo(seen);
            assertThat(stats(ports.admin())).contains("ficus_cluster_outlier_ejections_total{cluster=\"" + cluster + "\"} 1");

            a.failWith(0);
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
                c.get("ratings:9080", "/");
                return a.requestCount() > seen;
            });
            assertThat(stats(ports.admin())).contains("ficus_cluster_outlier_ejections_active{cluster=\"" + cluster + "\"} 0");
        }
        assertThat(log).noneMatch(l -> l.contains("outlier detection is not applied"));
    }
}
