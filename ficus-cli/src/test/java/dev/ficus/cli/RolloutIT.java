package dev.ficus.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ficus.testing.FakeUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Rollouts on a real mesh: {@code ficus control}, a client proxy and one node proxy for three
 * versions of reviews, all on loopback, with {@code ficus bench run} sending 500 requests per
 * second through the mesh the whole time. A good canary promotes step by step; a second rollout
 * is aborted half-way with {@code ficus rollout abort} and its traffic returns to stable — and not
 * one of the load's requests fails across all of it. Then a faulty version (every answer a 500)
 * rolls back on its own within interval × failure limit.
 */
class RolloutIT {
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) c.close();
    }

    private <T extends AutoCloseable> T keep(T c) {
        cleanup.add(c);
        return c;
    }

    static final String REVIEWS = "reviews.shop.svc.cluster.local";

    static String mesh(int[] inbound, int[] backends) {
        StringBuilder b = new StringBuilder("""
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
                metadata: {name: reviews, namespace: shop}
                spec:
                  hosts: [%s]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9080, name: http, protocol: HTTP}]
                  workloadSelector: {labels: {app: reviews}}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews, namespace: shop}
                spec:
                  host: %s
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - {name: v2, labels: {version: v2}}
                  - {name: v3, labels: {version: v3}}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews, namespace: shop}
                spec:
                  hosts: [%s]
                  http:
                  - name: primary
                    route: [{destination: {host: %s, subset: v1}}]
                """.formatted(REVIEWS, REVIEWS, REVIEWS, REVIEWS));
        for (int v = 1; v <= 3; v++) {
            b.append("""
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: WorkloadEntry
                    metadata: {name: reviews-v%1$d, namespace: shop}
                    spec:
                      address: 127.0.0.1
                      ports: {http: %2$d}
                      labels: {app: reviews, version: v%1$d, security.istio.io/tlsMode: istio}
                      serviceAccount: reviews
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: Sidecar
                    metadata: {name: reviews-v%1$d, namespace: shop}
                    spec:
                      workloadSelector: {labels: {app: reviews, version: v%1$d}}
                      ingress: [{port: {number: %2$d, protocol: HTTP, name: http}, bind: 127.0.0.1, defaultEndpoint: "127.0.0.1:%3$d"}]
                    """.formatted(v, inbound[v - 1], backends[v - 1]));
        }
        return b.toString();
    }

    static String rollout(String stable, String canary, String strategy) {
        return """
                apiVersion: mesh.ficus.dev/v1alpha1
                kind: Rollout
                metadata: {name: reviews, namespace: shop}
                spec:
                  virtualService: reviews
                  stable: {host: %1$s, subset: %2$s}
                  canary: {host: %1$s, subset: %3$s}
                  strategy:
                %4$s
                  analysis:
                    interval: 1s
                    failureLimit: 2
                    minRequests: 20
                    metrics:
                    - name: request-success-rate
                      thresholdRange: {min: 99}
                    - name: request-duration
                      thresholdRange: {max: 1000}
                """.formatted(REVIEWS, stable, canary, strategy.indent(4).stripTrailing());
    }

    @TempDir
    Path caDir;

    /** A running mesh: the control plane's HTTP address, the client proxy's outbound port, the control plane process. */
    record Mesh(String http, int outbound, FicusProcess control, int clientAdmin) {
    }

    /** v1 and v2 answer their names, v3 answers only 500s. */
    private Mesh mesh(Path dir, Path state) throws Exception {
        FakeUpstream v1 = keep(FakeUpstream.start("v1"));
        FakeUpstream v2 = keep(FakeUpstream.start("v2"));
        FakeUpstream v3 = keep(FakeUpstream.start("v3"));
        v3.failWith(500);
        return mesh(dir, state, new int[]{v1.port(), v2.port(), v3.port()});
    }

    private Mesh mesh(Path dir, Path state, int[] backends) throws Exception {
        int[] inbound = {UpCommandIT.freePort(), UpCommandIT.freePort(), UpCommandIT.freePort()};
        Files.writeString(dir.resolve("mesh.yaml"), mesh(inbound, backends));

        FicusProcess control = keep(FicusProcess.start("control", "--config", dir.toString(), "--sync-port", "0", "--http-port", "0",
                "--ca-dir", caDir.toString(), "--insecure-plaintext-ca", "--state-dir", state.toString(), "--scrape-interval", "10m"));
        int sync = Integer.parseInt(control.await("ready: .*sync on 127\\.0\\.0\\.1:(\\d+)", Duration.ofSeconds(120)));
        String http = control.await("http://(127\\.0\\.0\\.1:\\d+)", Duration.ofSeconds(5));
        FicusProcess node = keep(FicusProcess.start("proxy", "--control", "127.0.0.1:" + sync, "--workload", "reviews-v1,reviews-v2,reviews-v3",
                "-n", "shop", "--outbound-port", "-1", "--admin-port", "0", "--concurrency", "1", "--drain-timeout", "1s"));
        FicusProcess client = keep(FicusProcess.start("proxy", "--control", "127.0.0.1:" + sync, "--workload", "client", "-n", "shop",
                "--outbound-port", "0", "--admin-port", "0", "--concurrency", "1", "--drain-timeout", "1s"));
        int outbound = Integer.parseInt(client.await("ready: .*outbound on 127\\.0\\.0\\.1:(\\d+)", Duration.ofSeconds(120)));
        int clientAdmin = Integer.parseInt(client.await("admin on http://127\\.0\\.0\\.1:(\\d+)", Duration.ofSeconds(5)));
        node.await("ready: ", Duration.ofSeconds(120));
        try (HttpConnection c = new HttpConnection(outbound)) {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                    .until(() -> c.get(REVIEWS + ":9080", "/").status() == 200);
        }
        return new Mesh(http, outbound, control, clientAdmin);
    }

    @Test
    void canaryPromotesAbortReturnsAndABadVersionRollsBackWithoutFailingARequest(@TempDir Path dir, @TempDir Path state) throws Exception {
        Mesh m = mesh(dir, state);
        String http = m.http();
        int outbound = m.outbound();
        FicusProcess control = m.control();

        // 500 requests per second through the mesh while the canary moves and is aborted
        Path fortio = dir.resolveSibling(dir.getFileName() + "-load.json");
        FicusProcess load = keep(FicusProcess.start("bench", "run", "--url", "http://127.0.0.1:" + outbound + "/", "--header", "host:" + REVIEWS + ":9080",
                "--rate", "500", "--duration", "40s", "--connections", "8", "--fortio", fortio.toString()));

        Files.writeString(dir.resolve("rollout.yaml"), rollout("v1", "v2", "canary: {stepWeights: [20, 50]}"));
        JsonObject done = awaitPhase(http, "succeeded", Duration.ofSeconds(40));
        assertThat(reasons(done)).containsSubsequence("Started", "WeightChanged", "WeightChanged", "Promoted", "Succeeded");
        assertThat(done.getAsJsonObject("lastCheck").get("verdict").getAsString()).isEqualTo("pass");
        // the push that follows the promotion reaches the proxies within a moment
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).until(() -> served(outbound, 20).keySet().equals(java.util.Set.of("v2")));

        // the next version, stopped half-way by a user: traffic goes back to stable (v2)
        Files.writeString(dir.resolve("rollout.yaml"), rollout("v2", "v1", "canary: {steps: [{setWeight: 40}, {pause: {}}]}"));
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
            JsonObject o = status(http);
            return o != null && o.getAsJsonObject("progress").get("weight").getAsInt() == 40;
        });
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> served(outbound, 40).keySet().containsAll(List.of("v1", "v2")));
        StringBuilder out = new StringBuilder();
        assertThat(FicusProcess.runInProcess(out, "rollout", "abort", "reviews", "--control", http)).as(out.toString()).isZero();
        assertThat(out).contains("ABORTED").contains("weight:  0% to canary");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> served(outbound, 20).keySet().equals(java.util.Set.of("v2")));

        assertThat(load.process().waitFor(90, TimeUnit.SECONDS)).isTrue();
        JsonObject report = JsonParser.parseString(Files.readString(fortio)).getAsJsonObject();
        JsonObject codes = report.getAsJsonObject("RetCodes");
        assertThat(codes.keySet()).as("every request of the load answered 200: " + codes).containsExactly("200");
        assertThat(codes.get("200").getAsLong()).as("about 500 rps for 40 s").isGreaterThan(15_000);

        // a faulty version: every answer a 500. It rolls back on its own within interval × failure limit.
        FicusProcess load2 = keep(FicusProcess.start("bench", "run", "--url", "http://127.0.0.1:" + outbound + "/", "--header", "host:" + REVIEWS + ":9080",
                "--rate", "200", "--duration", "30s", "--connections", "4"));
        // 25% of 200/s: ~45 requests in a check's 0.9 s window, well above minRequests (20), so no check is inconclusive
        Files.writeString(dir.resolve("rollout.yaml"), rollout("v2", "v3", "canary: {stepWeights: [25, 50]}"));
        JsonObject back;
        try {
            back = awaitPhase(http, "rolled-back", Duration.ofSeconds(30));
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("control plane log:\n" + String.join("\n", control.log()), e);
        }
        assertThat(back.getAsJsonObject("progress").get("weight").getAsInt()).isZero();
        assertThat(back.getAsJsonObject("progress").get("message").getAsString()).contains("request-success-rate");
        long firstTraffic = eventAt(back, "WeightChanged");
        long rolledBack = eventAt(back, "RolledBack");
        // two failed checks one interval apart after v3 took traffic; a check waits for a fresh scrape (≤ 3 s: the
        // scrape timeout and a second), and on a loaded machine one more check may be inconclusive (its window still
        // before the push reached the client): 3 × (1 s + 3 s) at most. Typically ~2 s.
        assertThat(rolledBack - firstTraffic).as("rolled back within interval × failure limit (+ scrape time); events: " + back.getAsJsonArray("events")
                + "\ncontrol plane log:\n" + String.join("\n", control.log().stream().filter(l -> l.contains("rollout")).toList()))
                .isLessThanOrEqualTo(3 * (1_000 + 3_000));
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).until(() -> served(outbound, 20).keySet().equals(java.util.Set.of("v2")));
        out.setLength(0);
        assertThat(FicusProcess.runInProcess(out, "rollout", "status", "reviews", "--control", http)).isZero();
        assertThat(out).contains("shop/reviews  canary  ROLLED-BACK").contains("RolledBack").contains("CheckFailed");
        load2.close();
        assertThat(control.log()).anySatisfy(l -> assertThat(l).contains("rollout shop/reviews: rolled back"));
    }

    @Test
    void blueGreenPreviewsTheCandidateThenSwitchesAtOnce(@TempDir Path dir, @TempDir Path state) throws Exception {
        Mesh m = mesh(dir, state);
        // users' traffic without the header, a tester's with it
        FicusProcess users = keep(FicusProcess.start("bench", "run", "--url", "http://127.0.0.1:" + m.outbound() + "/", "--header", "host:" + REVIEWS + ":9080",
                "--rate", "100", "--duration", "25s", "--connections", "2"));
        FicusProcess tester = keep(FicusProcess.start("bench", "run", "--url", "http://127.0.0.1:" + m.outbound() + "/", "--header", "host:" + REVIEWS + ":9080",
                "--header", "x-preview:1", "--rate", "50", "--duration", "25s", "--connections", "1"));
        Files.writeString(dir.resolve("rollout.yaml"), rollout("v1", "v2", """
                blueGreen:
                  previewMatch: [{headers: {x-preview: {exact: "1"}}}]
                  prePromotionChecks: 2
                  autoPromote: false
                  postPromotionWindow: 3s"""));
        // preview: the header reaches v2, everyone else stays on v1; after two passing checks it waits for a user
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            JsonObject o = status(m.http());
            return o != null && o.get("stepDescription").getAsString().equals("pause until promoted");
        });
        try (HttpConnection c = new HttpConnection(m.outbound())) {
            for (int i = 0; i < 10; i++) {
                assertThat(c.get(REVIEWS + ":9080", "/", "x-preview", "1").body().strip()).isEqualTo("v2");
                assertThat(c.get(REVIEWS + ":9080", "/").body().strip()).isEqualTo("v1");
            }
        }
        StringBuilder out = new StringBuilder();
        assertThat(FicusProcess.runInProcess(out, "rollout", "promote", "reviews", "--control", m.http())).as(out.toString()).isZero();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).until(() -> served(m.outbound(), 20).keySet().equals(java.util.Set.of("v2")));
        JsonObject done = awaitPhase(m.http(), "succeeded", Duration.ofSeconds(20));
        assertThat(reasons(done)).containsSubsequence("Started", "PreviewOn", "PromotedByUser", "Promoted", "Succeeded");
        assertThat(users.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(tester.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(users.log()).as("the users' load").contains("errors    0");
    }

    /** A JSON service: {"item": N, "price": P, "requestId": random}; {@code priceOf2} is item 2's price. */
    private int jsonBackend(int priceOf2) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            int item = path.startsWith("/item/") ? Integer.parseInt(path.substring(6)) : 0;
            byte[] body = ("{\"requestId\":\"" + UUID.randomUUID() + "\",\"item\":" + item + ",\"price\":" + (item == 2 ? priceOf2 : 10) + "}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("content-type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        keep(() -> {
            server.stop(0);
            ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
        });
        return server.getAddress().getPort();
    }

    @Test
    void aParallelRunReportsAPlantedDifferenceIgnoresNoiseAndGatesPromotion(@TempDir Path dir, @TempDir Path state) throws Exception {
        // stable (v1) and its second instance (v3) agree; the candidate (v2) prices item 2 differently; every answer has a random requestId
        Mesh m = mesh(dir, state, new int[]{jsonBackend(20), jsonBackend(25), jsonBackend(20)});
        Files.writeString(dir.resolve("rollout.yaml"), """
                apiVersion: mesh.ficus.dev/v1alpha1
                kind: Rollout
                metadata: {name: reviews, namespace: shop}
                spec:
                  virtualService: reviews
                  stable: {host: %1$s, subset: v1}
                  canary: {host: %1$s, subset: v2}
                  strategy:
                    parallelRun:
                      secondary: {host: %1$s, subset: v3}
                      maxMismatchPercent: 50
                      minRequests: 30
                  analysis:
                    interval: 1s
                """.formatted(REVIEWS));
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> status(m.http()) != null);
        int sent = 0;
        try (HttpConnection c = new HttpConnection(m.outbound())) {
            for (int i = 0; i < 60; i++, sent++) {
                HttpConnection.Response r = c.get(REVIEWS + ":9080", "/item/" + (1 + i % 3));
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).as("users get stable's answers").contains("\"price\":" + (i % 3 == 1 ? 20 : 10));
            }
        }
        JsonObject done = awaitPhase(m.http(), "succeeded", Duration.ofSeconds(30));
        assertThat(done.getAsJsonObject("lastCheck").get("summary").getAsString()).contains("compared");
        StringBuilder out = new StringBuilder();
        // the run is over: its comparisons stay readable on the proxies until the Rollout leaves; the report names the difference
        var report = JsonParser.parseString(get(m.http(), "/v1/rollouts/shop/reviews")).getAsJsonObject();
        assertThat(report.has("parallelRun")).as(report.toString()).isTrue();
        JsonObject pr = report.getAsJsonObject("parallelRun");
        assertThat(pr.get("mismatched").getAsLong()).as(pr.toString()).isPositive();
        assertThat(pr.get("mismatchPercent").getAsDouble()).isBetween(20.0, 50.0);
        assertThat(pr.getAsJsonArray("noisyPaths").toString()).contains("$.requestId");
        assertThat(pr.getAsJsonArray("samples").toString()).contains("$.price").contains("/item/2").doesNotContain("$.requestId\"");
        assertThat(FicusProcess.runInProcess(out, "rollout", "status", "reviews", "--control", m.http())).isZero();
        assertThat(out).contains("compared:").contains("nondeterministic (not reported): $.requestId").contains("$.price: 20 -> 25");
        // promoted: the candidate serves
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            try (HttpConnection c = new HttpConnection(m.outbound())) {
                assertThat(c.get(REVIEWS + ":9080", "/item/2").body()).contains("\"price\":25");
            }
        });
        assertThat(sent).isEqualTo(60);
    }

    private static String get(String http, String path) throws Exception {
        try (var client = java.net.http.HttpClient.newHttpClient()) {
            return client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + http + path)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    @Test
    void aPromQLCheckReadFromARealPrometheusRollsBackABadVersion(@TempDir Path dir, @TempDir Path state, @TempDir Path prom) throws Exception {
        if (PrometheusProcess.installed().isEmpty()) {
            assertThat(System.getenv("CI")).as("CI must have Debian's prometheus (.ci/run installs it) at " + PrometheusProcess.BINARY).isNull();
            org.junit.jupiter.api.Assumptions.abort("prometheus is not installed (apt-get install prometheus): PromQL checks were not tried");
        }
        Mesh m = mesh(dir, state);
        int promPort = UpCommandIT.freePort();
        keep(PrometheusProcess.start(prom, promPort, List.of("127.0.0.1:" + m.clientAdmin())));
        FicusProcess users = keep(FicusProcess.start("bench", "run", "--url", "http://127.0.0.1:" + m.outbound() + "/", "--header", "host:" + REVIEWS + ":9080",
                "--rate", "100", "--duration", "30s", "--connections", "2"));
        // only a PromQL check: the 5xx answers the client's proxy counted for v3, as Prometheus scraped them
        Files.writeString(dir.resolve("rollout.yaml"), """
                apiVersion: mesh.ficus.dev/v1alpha1
                kind: Rollout
                metadata: {name: reviews, namespace: shop}
                spec:
                  virtualService: reviews
                  stable: {host: %1$s, subset: v1}
                  canary: {host: %1$s, subset: v3}
                  strategy:
                    canary: {stepWeights: [20, 50]}
                  analysis:
                    interval: 2s
                    failureLimit: 2
                    metrics:
                    - name: v3-server-errors
                      query: sum(istio_requests_total{reporter="source",destination_version="v3",response_code=~"5.."}) or vector(0)
                      thresholdRange: {max: 0}
                    prometheus: {address: "http://127.0.0.1:%2$d"}
                """.formatted(REVIEWS, promPort));
        JsonObject back = awaitPhase(m.http(), "rolled-back", Duration.ofSeconds(40));
        assertThat(back.getAsJsonObject("progress").get("message").getAsString()).contains("v3-server-errors");
        JsonObject metric = back.getAsJsonObject("lastCheck").getAsJsonArray("metrics").get(0).getAsJsonObject();
        assertThat(metric.get("name").getAsString()).isEqualTo("v3-server-errors");
        assertThat(metric.get("value").getAsDouble()).as("what Prometheus answered").isPositive();
        assertThat(metric.get("passed").getAsBoolean()).isFalse();
        users.close();
    }

    private static long eventAt(JsonObject o, String reason) {
        long at = -1;
        for (JsonElement e : o.getAsJsonArray("events")) {
            JsonObject ev = e.getAsJsonObject();
            if (ev.get("reason").getAsString().equals(reason)) at = ev.get("at").getAsLong();
        }
        assertThat(at).as(reason + " in " + o).isPositive();
        return at;
    }

    private static List<String> reasons(JsonObject o) {
        List<String> out = new ArrayList<>();
        for (JsonElement e : o.getAsJsonArray("events")) out.add(e.getAsJsonObject().get("reason").getAsString());
        return out;
    }

    /** Which versions answered {@code n} requests through the mesh. */
    private static Map<String, Integer> served(int outbound, int n) throws Exception {
        Map<String, Integer> out = new HashMap<>();
        try (HttpConnection c = new HttpConnection(outbound)) {
            for (int i = 0; i < n; i++) {
                HttpConnection.Response r = c.get(REVIEWS + ":9080", "/");
                String who = r.status() == 200 ? r.body().strip() : "status " + r.status();
                out.merge(who, 1, Integer::sum);
            }
        }
        return out;
    }

    private static JsonObject status(String http) {
        StringBuilder out = new StringBuilder();
        if (FicusProcess.runInProcess(out, "rollout", "status", "reviews", "--control", http, "-o", "json") != 0) return null;
        return JsonParser.parseString(out.toString()).getAsJsonObject();
    }

    private static JsonObject awaitPhase(String http, String phase, Duration atMost) {
        JsonObject[] last = new JsonObject[1];
        await().atMost(atMost).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            last[0] = status(http);
            assertThat(last[0]).isNotNull();
            assertThat(last[0].get("phase").getAsString()).as(String.valueOf(last[0])).isEqualTo(phase);
        });
        return last[0];
    }

}
