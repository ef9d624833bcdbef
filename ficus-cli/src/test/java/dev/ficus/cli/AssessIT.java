package dev.ficus.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ficus.testing.FakeUpstream;
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
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code ficus assess} on a real mesh: {@code ficus control}, a proxy for the client workload and
 * one for the backend, and three legacy services without a proxy. The client calls the backend
 * through both proxies, a plaintext client calls the backend directly, and the client calls two
 * of the legacy services (ledger more than legacy); the third (reports) gets no traffic. The
 * assessment says the client and the backend are meshed and to onboard reports, then legacy, then
 * ledger.
 */
class AssessIT {
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) c.close();
    }

    private <T extends AutoCloseable> T keep(T c) {
        cleanup.add(c);
        return c;
    }

    static final String BACKEND = "backend.shop.svc.cluster.local";
    static final String LEGACY = "legacy.shop.svc.cluster.local";
    static final String LEDGER = "ledger.shop.svc.cluster.local";
    static final String REPORTS = "reports.shop.svc.cluster.local";

    /** A service of WorkloadEntries without a proxy: how a legacy system is registered. */
    static String legacy(String name, int port) {
        return """
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %1$s, namespace: shop}
                spec:
                  hosts: [%1$s.shop.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9080, name: http, protocol: HTTP}]
                  workloadSelector: {labels: {app: %1$s}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: %1$s-1, namespace: shop}
                spec: {address: 127.0.0.1, ports: {http: %2$d}, labels: {app: %1$s}, serviceAccount: %1$s}
                """.formatted(name, port);
    }

    @TempDir
    Path caDir;

    @Test
    void theAssessmentSaysWhatIsMeshedAndWhatToOnboardNext(@TempDir Path dir) throws Exception {
        FakeUpstream backend = keep(FakeUpstream.start("backend"));
        FakeUpstream legacy = keep(FakeUpstream.start("legacy"));
        FakeUpstream ledger = keep(FakeUpstream.start("ledger"));
        int inbound = UpCommandIT.freePort();
        String mesh = """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: client, namespace: shop}
                spec: {address: 127.0.0.1, labels: {app: client}, serviceAccount: client}
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: client, namespace: shop}
                spec:
                  workloadSelector: {labels: {app: client}}
                  egress: [{hosts: ["./*"]}]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: backend, namespace: shop}
                spec:
                  hosts: [%3$s]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9080, name: http, protocol: HTTP}]
                  workloadSelector: {labels: {app: backend}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: backend-1, namespace: shop}
                spec:
                  address: 127.0.0.1
                  ports: {http: %1$d}
                  labels: {app: backend, security.istio.io/tlsMode: istio}
                  serviceAccount: backend
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: backend, namespace: shop}
                spec:
                  workloadSelector: {labels: {app: backend}}
                  ingress: [{port: {number: %1$d, protocol: HTTP, name: http}, bind: 127.0.0.1, defaultEndpoint: "127.0.0.1:%2$d"}]
                """.formatted(inbound, backend.port(), BACKEND)
                + legacy("legacy", legacy.port()) + legacy("ledger", ledger.port()) + legacy("reports", UpCommandIT.freePort());
        Files.writeString(dir.resolve("mesh.yaml"), mesh);

        // no periodic scrape: every sample is one a request takes
        FicusProcess control = keep(FicusProcess.start("control", "--config", dir.toString(), "--sync-port", "0", "--http-port", "0",
                "--ca-dir", caDir.toString(), "--insecure-plaintext-ca", "--scrape-interval", "10m"));
        int sync = Integer.parseInt(control.await("ready: .*sync on 127\\.0\\.0\\.1:(\\d+)", Duration.ofSeconds(120)));
        String http = control.await("http://(127\\.0\\.0\\.1:\\d+)", Duration.ofSeconds(5));
        FicusProcess b = keep(FicusProcess.start("proxy", "--control", "127.0.0.1:" + sync, "--workload", "backend-1", "-n", "shop",
                "--outbound-port", "-1", "--admin-port", "0", "--concurrency", "1", "--drain-timeout", "1s"));
        FicusProcess a = keep(FicusProcess.start("proxy", "--control", "127.0.0.1:" + sync, "--workload", "client", "-n", "shop",
                "--outbound-port", "0", "--admin-port", "0", "--concurrency", "1", "--drain-timeout", "1s"));
        int outbound = Integer.parseInt(a.await("ready: .*outbound on 127\\.0\\.0\\.1:(\\d+)", Duration.ofSeconds(120)));
        int adminA = Integer.parseInt(a.await("admin on http://127\\.0\\.0\\.1:(\\d+)", Duration.ofSeconds(5)));
        int adminB = Integer.parseInt(b.await("ready: .*admin on http://127\\.0\\.0\\.1:(\\d+)", Duration.ofSeconds(120)));
        b.await("certificate issued for spiffe://cluster.local/ns/shop/sa/backend", Duration.ofSeconds(10));
        a.await("certificate issued for spiffe://cluster.local/ns/shop/sa/client", Duration.ofSeconds(10));

        try (HttpConnection client = new HttpConnection(outbound); HttpConnection plain = new HttpConnection(inbound)) {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                    .until(() -> client.get(BACKEND + ":9080", "/warm-up").status() == 200);
            awaitStable(adminA); // the warm-up is counted before the first sample
            awaitStable(adminB);
            // the first sample of each proxy: rates are counted from here
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                JsonArray proxies = JsonParser.parseString(get(http, "/v1/graph?window=5m")).getAsJsonObject().getAsJsonArray("proxies");
                assertThat(proxies.asList()).hasSize(2).allSatisfy(p -> assertThat(p.getAsJsonObject().get("samples").getAsInt()).isPositive());
            });
            for (int i = 0; i < 20; i++) assertThat(client.get(BACKEND + ":9080", "/").status()).isEqualTo(200);
            for (int i = 0; i < 5; i++) assertThat(plain.get(BACKEND + ":9080", "/").status()).isEqualTo(200);
            for (int i = 0; i < 4; i++) assertThat(client.get(LEGACY + ":9080", "/").status()).isEqualTo(200);
            for (int i = 0; i < 20; i++) assertThat(client.get(LEDGER + ":9080", "/").status()).isEqualTo(200);
        }

        // the real command, as a user types it; the next scrape brings the traffic in
        StringBuilder json = new StringBuilder();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            json.setLength(0);
            assertThat(FicusProcess.runInProcess(json, "assess", "--control", http, "--window", "5m", "--format", "json")).as(json.toString()).isZero();
        JsonObject o = JsonParser.parseString(json.toString()).getAsJsonObject();
            assertThat(service(o, BACKEND).get("traffic").getAsJsonObject().get("requests").getAsLong()).isEqualTo(25);
            assertThat(service(o, LEDGER).get("traffic").getAsJsonObject().get("requests").getAsLong()).isEqualTo(20);
            assertThat(service(o, LEGACY).get("traffic").getAsJsonObject().get("requests").getAsLong()).isEqualTo(4);
        });
        JsonObject o = JsonParser.parseString(json.toString()).getAsJsonObject();
        assertThat(o.get("window").getAsString()).isEqualTo("5m");
        assertThat(o.getAsJsonObject("summary").toString())
                .isEqualTo("{\"services\":5,\"meshedServices\":2,\"workloads\":5,\"meshedWorkloads\":2,\"proxies\":2,\"proxiesRead\":2}");

        JsonObject be = service(o, BACKEND);
        assertThat(be.get("meshed").getAsBoolean()).isTrue();
        assertThat(be.get("meshedInstances").getAsInt()).isEqualTo(1);
        assertThat(be.get("verdict").getAsString()).isEqualTo("meshed");
        assertThat(be.getAsJsonObject("mtls").get("mode").getAsString()).isEqualTo("PERMISSIVE");
        assertThat(be.getAsJsonObject("mtls").get("observedShare").getAsDouble()).isEqualTo(0.8); // 20 of 25 through the client's proxy
        assertThat(be.getAsJsonArray("callers").asList()).extracting(c -> c.getAsJsonObject().get("workload").getAsString() + " " + c.getAsJsonObject().get("security").getAsString())
                .containsExactly("shop/client mutual_tls", "unknown plaintext");
        assertThat(strings(be.getAsJsonArray("reasons"))).anySatisfy(r -> assertThat(r).startsWith("plaintext callers: unknown"));

        for (String s : List.of(LEGACY, LEDGER, REPORTS)) {
            JsonObject x = service(o, s);
            assertThat(x.get("meshed").getAsBoolean()).as(s).isFalse();
            assertThat(x.get("meshedInstances").getAsInt()).as(s).isZero();
            assertThat(x.get("verdict").getAsString()).as(s).isEqualTo("ready");
        }
        assertThat(strings(service(o, LEDGER).getAsJsonArray("dependents"))).containsExactly("shop/client");
        assertThat(strings(service(o, REPORTS).getAsJsonArray("reasons"))).contains("no traffic in the last 5m: callers unknown");
        JsonObject client = service(o, "shop/client");
        assertThat(client.get("kind").getAsString()).isEqualTo("workload");
        assertThat(strings(client.getAsJsonArray("dependsOn"))).containsExactly(BACKEND, LEDGER, LEGACY);

        assertThat(workload(o, "shop/backend-1").get("meshed").getAsBoolean()).isTrue();
        assertThat(workload(o, "shop/client").get("proxy").getAsString()).isEqualTo("connected");
        assertThat(workload(o, "shop/ledger-1").get("proxy").getAsString()).isEqualTo("none");

        assertThat(strings(o.getAsJsonArray("done"))).containsExactly(BACKEND, "shop/client");
        JsonArray order = o.getAsJsonArray("order");
        assertThat(order.asList()).extracting(s -> strings(s.getAsJsonObject().getAsJsonArray("services")))
                .containsExactly(List.of(REPORTS), List.of(LEGACY), List.of(LEDGER));
        assertThat(order.get(0).getAsJsonObject().get("reason").getAsString()).contains("no dependents; no traffic in the window");
        assertThat(order.get(1).getAsJsonObject().get("reason").getAsString()).contains("1 dependent (shop/client)");

        // the report, as a user reads it
        StringBuilder report = new StringBuilder();
        assertThat(FicusProcess.runInProcess(report, "assess", "--control", http, "--window", "5m")).as(report.toString()).isZero();
        List<String> lines = report.toString().lines().toList();
        assertThat(lines.getFirst()).isEqualTo("Assessment over the last 5m: 2 of 5 services meshed, 2 of 5 workloads with a proxy, 2 of 2 proxies read");
        assertThat(lines).anySatisfy(l -> assertThat(l).matches(BACKEND.replace(".", "\\.") + " +service +1/1 +PERMISSIVE, 80% mTLS +[0-9.]+ rps +0\\.0% .* meshed"));
        assertThat(lines).contains("Already meshed: " + BACKEND + ", shop/client", "  shop/client → " + BACKEND + ", " + LEDGER + ", " + LEGACY);
        assertThat(report.toString()).contains("  1. " + REPORTS + "  [ready]\n", "  2. " + LEGACY + "  [ready]\n", "  3. " + LEDGER + "  [ready]\n");

        StringBuilder refused = new StringBuilder();
        assertThat(FicusProcess.runInProcess(refused, "assess", "--control", http, "--window", "1h")).isEqualTo(1);
        assertThat(refused.toString()).startsWith("ficus assess: " + http + " answered 400: the window must be at most 10m");
    }

    /** Waits until two reads of a proxy's metrics, 100 ms apart, are equal: every exchange so far is counted. */
    private static void awaitStable(int admin) {
        String[] last = {""};
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).until(() -> {
            String now = get("127.0.0.1:" + admin, "/stats/prometheus");
            boolean same = now.equals(last[0]);
            last[0] = now;
            return same;
        });
    }

    private static JsonObject service(JsonObject o, String id) {
        return find(o.getAsJsonArray("services"), id);
    }

    private static JsonObject workload(JsonObject o, String id) {
        return find(o.getAsJsonArray("workloads"), id);
    }

    private static JsonObject find(JsonArray xs, String id) {
        List<JsonObject> found = new ArrayList<>();
        for (JsonElement e : xs) if (e.getAsJsonObject().get("id").getAsString().equals(id)) found.add(e.getAsJsonObject());
        assertThat(found).as(id + " in " + xs).hasSize(1);
        return found.getFirst();
    }

    private static List<String> strings(JsonArray xs) {
        return xs.asList().stream().map(JsonElement::getAsString).toList();
    }

    private static String get(String hostPort, String path) throws Exception {
        try (HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build()) {
            HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create("http://" + hostPort + path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
            return r.body();
        }
    }

}
