package dev.ficus.control;

import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.sync.Node;
import dev.ficus.xds.sync.SyncClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The control plane on a real directory, with real sync clients and its real HTTP port. */
class ControlPlaneTest {

    static final String SERVICES = """
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
            spec: {address: 127.0.0.11, ports: {http: 19181}, labels: {app: reviews, version: v1}}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: reviews-v2, namespace: shop}
            spec: {address: 127.0.0.12, ports: {http: 19182}, labels: {app: reviews, version: v2}}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: web, namespace: shop}
            spec: {address: 127.0.0.13, labels: {app: web}}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews, namespace: shop}
            spec:
              host: reviews.shop.svc.cluster.local
              subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
            """;

    static String routing(int v1, int v2) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews, namespace: shop}
                spec:
                  hosts: [reviews.shop.svc.cluster.local]
                  http:
                  - route:
                    - {destination: {host: reviews.shop.svc.cluster.local, subset: v1}, weight: %d}
                    - {destination: {host: reviews.shop.svc.cluster.local, subset: v2}, weight: %d}
                """.formatted(v1, v2);
    }

    @TempDir
    Path dir;
    ControlPlane cp;
    final List<ProxySnapshot> applied = new CopyOnWriteArrayList<>();
    final List<String> log = new CopyOnWriteArrayList<>();
    SyncClient client;

    ControlPlane start() throws Exception {
        cp = ControlPlane.builder().config(List.of(dir.toString())).sync("127.0.0.1", 0).http("127.0.0.1", 0)
                .watchInterval(Duration.ofMillis(50)).debounce(Duration.ofMillis(20))
                .log(new ControlPlane.Logger() {
                    @Override public void info(String m) { log.add("info " + m); }
                    @Override public void warn(String m) { log.add("warn " + m); }
                    @Override public void error(String m) { log.add("error " + m); }
                })
                .build().start();
        return cp;
    }

    SyncClient connect(String... workloads) {
        client = SyncClient.start("127.0.0.1", cp.syncPort(), new Node("test", List.of(workloads), "shop", Map.of(), "test", 0),
                applied::add, m -> { }, Duration.ofMillis(20), Duration.ofMillis(200));
        return client;
    }

    @AfterEach
    void stop() {
        if (client != null) client.close();
        if (cp != null) cp.close();
    }

    static int weightOfV2(ProxySnapshot s) {
        var vh = s.routeTables().get("outbound").virtualHosts().stream()
                .filter(v -> v.domains().contains("reviews.shop.svc.cluster.local")).findFirst().orElseThrow();
        var forward = (RouteAction.Forward) vh.routes().getFirst().action();
        return forward.clusters().stream().filter(c -> c.cluster().contains("|v2|")).mapToInt(c -> c.weight()).sum();
    }

    @Test
    void aVirtualServiceEditReachesTheProxyWithinASecond() throws Exception {
        Files.writeString(dir.resolve("services.yaml"), SERVICES);
        Files.writeString(dir.resolve("routing.yaml"), routing(100, 0));
        start();
        connect("web").firstSnapshot().get(10, TimeUnit.SECONDS);
        assertThat(weightOfV2(applied.getLast())).isZero();

        long t0 = System.nanoTime();
        Files.writeString(dir.resolve("routing.yaml"), routing(50, 50));
        await().atMost(Duration.ofSeconds(1)).until(() -> weightOfV2(applied.getLast()) == 50);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).isLessThan(1000);
        assertThat(cp.metrics().prometheus()).contains("pilot_xds 1\n").contains("ficus_config_changes_total 2\n");
    }

    @Test
    void aBadEditIsRefusedWithFileAndLineAndTheProxyKeepsTheLastGoodConfig() throws Exception {
        Files.writeString(dir.resolve("services.yaml"), SERVICES);
        Files.writeString(dir.resolve("routing.yaml"), routing(100, 0));
        start();
        connect("web").firstSnapshot().get(10, TimeUnit.SECONDS);
        Files.writeString(dir.resolve("routing.yaml"), routing(60, 50)); // weights sum to 110
        await().atMost(Duration.ofSeconds(5)).until(() -> log.stream().anyMatch(l -> l.contains("config change refused")));
        assertThat(log).anyMatch(l -> l.startsWith("error ") && l.contains("routing.yaml:") && l.contains("weight"));
        assertThat(applied).hasSize(1);
        assertThat(cp.metrics().prometheus()).contains("ficus_config_refused_total 1\n");
        Files.writeString(dir.resolve("routing.yaml"), routing(0, 100));
        await().atMost(Duration.ofSeconds(5)).until(() -> weightOfV2(applied.getLast()) == 100);
    }

    @Test
    void aConfigWithErrorsDoesNotStart() throws Exception {
        Files.writeString(dir.resolve("routing.yaml"), routing(60, 50));
        assertThatThrownBy(this::start).isInstanceOf(ControlPlane.ConfigException.class)
                .satisfies(e -> assertThat(((ControlPlane.ConfigException) e).diagnostics())
                        .anyMatch(d -> d.isError() && d.format().contains("routing.yaml:")));
    }

    @Test
    void statusAndMetricsOverHttp() throws Exception {
        Files.writeString(dir.resolve("services.yaml"), SERVICES);
        start();
        connect("web").firstSnapshot().get(10, TimeUnit.SECONDS);
        try (HttpClient http = HttpClient.newHttpClient()) {
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cp.httpPort() + "/v1/status")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(status.statusCode()).isEqualTo(200);
                assertThat(status.body()).contains("\"workloads\":[\"web\"]").contains("\"acks\":1").contains("\"nacks\":0");
            });
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cp.httpPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body()).contains("# TYPE pilot_proxy_convergence_time histogram").contains("pilot_services 1\n")
                    .contains("pilot_proxy_convergence_time_count 1\n");
            assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cp.httpPort() + "/nope")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void nodeModeServesSeveralWorkloadsFromOneSnapshot() throws Exception {
        Files.writeString(dir.resolve("services.yaml"), SERVICES + """
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: reviews, namespace: shop}
                spec:
                  workloadSelector: {labels: {app: reviews}}
                  ingress: [{port: {number: 0, protocol: HTTP, name: http}, defaultEndpoint: "127.0.0.1:19181"}]
                """.replace("number: 0", "number: 29181"));
        start();
        ProxySnapshot s = connect("web", "reviews-v1").firstSnapshot().get(10, TimeUnit.SECONDS);
        assertThat(s.listeners()).extracting(l -> l.name()).contains("outbound", "inbound:29181");
    }

    @Test
    void aLegacySystemRegistersOverRestAndLeavesWhenItStopsHeartbeating() throws Exception {
        Files.writeString(dir.resolve("services.yaml"), SERVICES + """
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: billing, namespace: shop}
                spec:
                  hosts: [billing.shop.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 8080, name: http, protocol: HTTP}]
                  workloadSelector: {labels: {app: billing}}
                """);
        cp = ControlPlane.builder().config(List.of(dir.toString())).sync("127.0.0.1", 0).http("127.0.0.1", 0)
                .watchInterval(Duration.ofMillis(50)).debounce(Duration.ofMillis(20)).sweepInterval(Duration.ofMillis(100))
                .build().start();
        connect("web").firstSnapshot().get(10, TimeUnit.SECONDS);
        String billing = "outbound|8080||billing.shop.svc.cluster.local";
        assertThat(applied.getLast().clusters().get(billing).endpoints()).isEmpty();

        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cp.httpPort() + "/v1/workloads"))
                    .POST(HttpRequest.BodyPublishers.ofString("""
                            {"name":"billing-1","namespace":"shop","address":"127.0.0.41","ports":{"http":19200},
                             "labels":{"app":"billing"},"ttl":"1s"}""")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        }
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(applied.getLast().clusters().get(billing).endpoints())
                .singleElement().satisfies(e -> assertThat(e.address()).isEqualTo(new dev.ficus.xds.snapshot.HostPort("127.0.0.41", 19200))));
        // no heartbeat: gone within its TTL plus a sweep
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(applied.getLast().clusters().get(billing).endpoints()).isEmpty());
    }

    @Test
    void aRestartedProxyGetsTheCurrentConfig() throws Exception {
        Files.writeString(dir.resolve("services.yaml"), SERVICES);
        Files.writeString(dir.resolve("routing.yaml"), routing(100, 0));
        start();
        connect("web").firstSnapshot().get(10, TimeUnit.SECONDS);
        client.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> cp.proxies().isEmpty());
        Files.writeString(dir.resolve("routing.yaml"), routing(20, 80));
        await().atMost(Duration.ofSeconds(5)).until(() -> cp.metrics().prometheus().contains("ficus_config_changes_total 2\n"));
        applied.clear();
        ProxySnapshot s = connect("web").firstSnapshot().get(10, TimeUnit.SECONDS);
        assertThat(weightOfV2(s)).isEqualTo(80);
    }

    @Test
    void anUnknownWorkloadIsToldWhy() throws Exception {
        Files.writeString(dir.resolve("services.yaml"), SERVICES);
        start();
        connect("nobody");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(client.lastError()).contains("no WorkloadEntry named 'nobody' in namespace shop"));
    }
}
