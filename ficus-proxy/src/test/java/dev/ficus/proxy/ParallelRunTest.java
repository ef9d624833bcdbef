package dev.ficus.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.config.Diagnostic;
import dev.ficus.api.validate.Validator;
import dev.ficus.testing.ClosedPort;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.translate.ProxyIdentity;
import dev.ficus.xds.translate.TranslateOptions;
import dev.ficus.xds.translate.Translator;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A parallel run end to end in one proxy, from Istio YAML and a Rollout through the translator, with
 * three real HTTP backends: stable and secondary answer JSON with a random {@code requestId} and a
 * fixed {@code price}; the candidate answers another price on some paths. The client only ever
 * sees stable's answers; the admin port reports what differed.
 */
class ParallelRunTest {
    static {
        // the JDK client reads this once per JVM: set it as ProxyServerTest does, whichever runs first
        System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host,connection");
    }

    static final String RUN = "shop/reviews-v2";
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
        client.close();
    }

    /** A real HTTP backend answering JSON made by {@code answer} from the request path; counts what it saw. */
    static final class JsonBackend implements AutoCloseable {
        record Seen(String method, String path, String host, String parallelRun, long bodyBytes) {
        }

        final HttpServer server;
        final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
        final Set<String> sent = ConcurrentHashMap.newKeySet();

        JsonBackend(Function<String, String> answer) {
            try {
                server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            server.setExecutor(executor);
            server.createContext("/", ex -> handle(ex, answer));
            server.start();
        }

        private void handle(HttpExchange ex, Function<String, String> answer) throws IOException {
            try (ex) {
                long n;
                try (InputStream in = ex.getRequestBody()) {
                    n = in.readAllBytes().length;
                }
                String path = ex.getRequestURI().getRawPath();
                seen.add(new Seen(ex.getRequestMethod(), path, ex.getRequestHeaders().getFirst("host"),
                        ex.getRequestHeaders().getFirst("x-ficus-parallel-run"), n));
                String body = answer.apply(path);
                sent.add(body);
                byte[] b = body.getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("content-type", "application/json");
                ex.sendResponseHeaders(200, b.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(b);
                }
            }
        }

        int port() { return server.getAddress().getPort(); }

        long count(String method) { return seen.stream().filter(s -> s.method().equals(method)).count(); }

        @Override
        public void close() {
            server.stop(0);
            executor.shutdownNow();
        }
    }

    JsonBackend backend(Function<String, String> answer) {
        JsonBackend b = new JsonBackend(answer);
        closeLater.add(b);
        return b;
    }

    /** Stable's (and the secondary's) answer: the same price, a fresh request id every time. */
    static String stableAnswer(String path) {
        return "{\"requestId\":\"" + UUID.randomUUID() + "\",\"price\":10,\"items\":[{\"sku\":\"a\",\"qty\":1}],\"path\":\"" + path + "\"}";
    }

    /** The candidate: another price on /changed, members in another order, numbers spelled otherwise. */
    static String candidateAnswer(String path) {
        String price = path.startsWith("/changed") ? "12" : "10.0";
        return "{\"path\":\"" + path + "\",\"items\":[{\"qty\":1.0,\"sku\":\"a\"}],\"price\":" + price + ",\"requestId\":\"" + UUID.randomUUID() + "\"}";
    }

    static String mesh(int stable, int secondary, int candidate, String parallelRun) {
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
                spec: {address: 127.0.0.1, ports: {http: %d}, labels: {app: reviews, track: stable}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: reviews-v1b, namespace: shop}
                spec: {address: 127.0.0.1, ports: {http: %d}, labels: {app: reviews, track: secondary}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: reviews-v2, namespace: shop}
                spec: {address: 127.0.0.1, ports: {http: %d}, labels: {app: reviews, track: candidate}}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews, namespace: shop}
                spec:
                  host: reviews
                  subsets:
                  - {name: v1, labels: {track: stable}}
                  - {name: v1b, labels: {track: secondary}}
                  - {name: v2, labels: {track: candidate}}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews, namespace: shop}
                spec:
                  hosts: [reviews]
                  http:
                  - name: main
                    route: [{destination: {host: reviews, subset: v1}}]
                """.formatted(stable, secondary, candidate) + (parallelRun == null ? "" : """
                ---
                apiVersion: mesh.ficus.dev/v1alpha1
                kind: Rollout
                metadata: {name: reviews-v2, namespace: shop}
                spec:
                  virtualService: reviews
                  stable: {host: reviews, subset: v1}
                  canary: {host: reviews, subset: v2}
                  strategy:
                    parallelRun:
                """ + parallelRun.indent(6));
    }

    static final String WITH_SECONDARY = """
            secondary: {host: reviews, subset: v1b}
            compareHeaders: [content-type]
            """;

    static ProxySnapshot translate(String yaml) {
        ConfigLoader.Result r = Validator.loadAndValidateString("shop.yaml", yaml);
        assertThat(r.diagnostics().stream().filter(Diagnostic::isError).map(Diagnostic::format)).isEmpty();
        return Translator.translate(Validator.effective(r.config()), new ProxyIdentity("frontend", "shop", Map.of("app", "frontend"), null),
                TranslateOptions.DEFAULTS.withOutboundPort(0)).snapshot();
    }

    ProxyServer proxy(String yaml) throws Exception {
        ProxyServer p = ProxyServer.builder().snapshot(translate(yaml)).concurrency(1).adminPort(0).build().start();
        closeLater.add(p);
        return p;
    }

    HttpResponse<String> send(ProxyServer p, String method, String path, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.listenerPort("outbound") + path))
                .header("Host", "reviews:9080").timeout(Duration.ofSeconds(10));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    String admin(ProxyServer p, String path) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.adminPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    /** The run's entry of {@code GET /parallel-runs}, or null when it is not there. */
    JsonObject run(ProxyServer p) throws Exception {
        JsonObject doc = JsonParser.parseString(admin(p, "/parallel-runs")).getAsJsonObject();
        for (JsonElement e : doc.getAsJsonArray("runs")) if (e.getAsJsonObject().get("rollout").getAsString().equals(RUN)) return e.getAsJsonObject();
        return null;
    }

    long field(ProxyServer p, String name) throws Exception {
        JsonObject r = run(p);
        return r == null ? -1 : r.get(name).getAsLong();
    }

    @Test
    void mismatchesAreReportedWhereTheyAreAndTheSecondaryTeachesWhatIsNoise() throws Exception {
        JsonBackend stable = backend(ParallelRunTest::stableAnswer);
        JsonBackend secondary = backend(ParallelRunTest::stableAnswer);
        JsonBackend candidate = backend(ParallelRunTest::candidateAnswer);
        ProxyServer p = proxy(mesh(stable.port(), secondary.port(), candidate.port(), WITH_SECONDARY));

        for (int i = 0; i < 20; i++) {
            for (String path : List.of("/same/" + i, "/changed/" + i)) {
                HttpResponse<String> r = send(p, "GET", path, null);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(stable.sent).as("the client gets exactly what stable answered").contains(r.body());
                assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
            }
        }
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = send(p, "POST", "/orders/" + i, "{\"sku\":\"a\"}".getBytes(StandardCharsets.UTF_8));
            assertThat(stable.sent).contains(r.body());
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> field(p, "compared") == 40);
        JsonObject run = run(p);
        assertThat(run.get("mismatched").getAsLong()).isEqualTo(20);
        assertThat(run.get("noise").getAsLong()).as("only requestId differs on /same: noise").isEqualTo(20);
        assertThat(run.get("matched").getAsLong()).isZero();
        assertThat(run.get("mismatchPercent").getAsDouble()).isEqualTo(50.0);
        assertThat(run.get("skipped").getAsLong()).isEqualTo(5);
        assertThat(run.getAsJsonObject("skippedBy").get("unsafeMethod").getAsLong()).isEqualTo(5);
        assertThat(run.getAsJsonArray("noisyPaths")).containsExactly(JsonParser.parseString("\"$.requestId\""));
        JsonArray samples = run.getAsJsonArray("samples");
        assertThat(samples).hasSize(20);
        for (JsonElement e : samples) {
            JsonObject s = e.getAsJsonObject();
            assertThat(s.get("method").getAsString()).isEqualTo("GET");
            assertThat(s.get("path").getAsString()).startsWith("/changed/");
            assertThat(s.get("stableStatus").getAsInt()).isEqualTo(200);
            assertThat(s.get("candidateStatus").getAsInt()).isEqualTo(200);
            JsonArray d = s.getAsJsonArray("differences");
            assertThat(d).hasSize(1);
            assertThat(d.get(0).getAsJsonObject().get("path").getAsString()).isEqualTo("$.price");
            assertThat(d.get(0).getAsJsonObject().get("stable").getAsString()).isEqualTo("10");
            assertThat(d.get(0).getAsJsonObject().get("candidate").getAsString()).isEqualTo("12");
        }

        assertThat(candidate.count("POST")).as("POST is not copied by default").isZero();
        assertThat(secondary.count("POST")).isZero();
        assertThat(candidate.count("GET")).isEqualTo(40);
        assertThat(secondary.count("GET")).isEqualTo(40);
        assertThat(stable.count("POST")).isEqualTo(5);
        assertThat(candidate.seen).allSatisfy(s -> {
            assertThat(s.parallelRun()).isEqualTo(RUN);
            assertThat(s.host()).as("copies keep the client's authority").isEqualTo("reviews:9080");
        });
        assertThat(stable.seen).allSatisfy(s -> assertThat(s.parallelRun()).isNull());

        assertThat(admin(p, "/stats/prometheus")).contains(
                "ficus_parallel_run_responses_total{rollout=\"shop/reviews-v2\",result=\"mismatch\"} 20\n",
                "ficus_parallel_run_responses_total{rollout=\"shop/reviews-v2\",result=\"noise\"} 20\n",
                "ficus_parallel_run_responses_total{rollout=\"shop/reviews-v2\",result=\"match\"} 0\n",
                "ficus_parallel_run_responses_total{rollout=\"shop/reviews-v2\",result=\"skipped\"} 5\n",
                "ficus_parallel_run_skipped_total{rollout=\"shop/reviews-v2\",reason=\"unsafe_method\"} 5\n");
        await("every comparison gives its memory back").atMost(Duration.ofSeconds(5)).until(() -> p.parallelRuns().reserved() == 0);
    }

    @Test
    void theClientsAnswerNeverWaitsForTheCandidate() throws Exception {
        CountDownLatch hold = new CountDownLatch(1);
        JsonBackend stable = backend(ParallelRunTest::stableAnswer);
        JsonBackend candidate = backend(path -> {
            try {
                hold.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return stableAnswer(path);
        });
        ProxyServer p = proxy(mesh(stable.port(), ClosedPort.find(), candidate.port(), "{}"));
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = send(p, "GET", "/held/" + i, null);
            assertThat(stable.sent).contains(r.body());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> candidate.seen.size() == 5);
        assertThat(field(p, "compared")).as("the candidate still holds every answer").isZero();
        hold.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> field(p, "compared") == 5);
        // no secondary: the request ids differ and nothing says they are noise
        assertThat(field(p, "mismatched")).isEqualTo(5);
    }

    @Test
    void aCandidateThatCannotBeReachedIsCountedAndTheClientsAreServed() throws Exception {
        JsonBackend stable = backend(ParallelRunTest::stableAnswer);
        ProxyServer p = proxy(mesh(stable.port(), ClosedPort.find(), ClosedPort.find(), "{}"));
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> r = send(p, "GET", "/x/" + i, null);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(stable.sent).contains(r.body());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> field(p, "skipped") == 10);
        assertThat(run(p).getAsJsonObject("skippedBy").get("candidateError").getAsLong()).isEqualTo(10);
        assertThat(field(p, "compared")).isZero();
        assertThat(p.stats().listener("outbound").responses(2)).isEqualTo(10);
    }

    @Test
    void unsafeMethodsWhenAllowedAndTheBodyLimits() throws Exception {
        JsonBackend stable = backend(path -> path.startsWith("/big") ? "{\"blob\":\"" + "s".repeat(4000) + "\"}" : stableAnswer(path));
        JsonBackend candidate = backend(path -> path.startsWith("/big") ? "{\"blob\":\"" + "c".repeat(4000) + "\"}" : stableAnswer(path));
        ProxyServer p = proxy(mesh(stable.port(), ClosedPort.find(), candidate.port(), """
                allowUnsafeMethods: true
                maxBodyBytes: 1024
                ignore: ['$.requestId']
                """));
        HttpResponse<String> small = send(p, "POST", "/orders/1", "{\"sku\":\"a\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(stable.sent).contains(small.body());
        HttpResponse<String> large = send(p, "PUT", "/orders/2", new byte[2000]);
        assertThat(stable.sent).contains(large.body());
        HttpResponse<String> big = send(p, "GET", "/big", null);
        assertThat(big.body()).startsWith("{\"blob\":\"sss");
        await().atMost(Duration.ofSeconds(10)).until(() -> field(p, "compared") + field(p, "skipped") == 3);
        JsonObject run = run(p);
        assertThat(run.get("matched").getAsLong()).as("POST compared with requestId ignored; /big by status and headers only").isEqualTo(2);
        assertThat(run.getAsJsonObject("skippedBy").get("requestTooLarge").getAsLong()).isEqualTo(1);
        assertThat(candidate.seen).extracting(JsonBackend.Seen::method, JsonBackend.Seen::bodyBytes)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("POST", 11L), org.assertj.core.groups.Tuple.tuple("GET", 0L));
    }

    @Test
    void aRunKeepsItsResultsAcrossSnapshotsWhileTheRolloutStaysAndStopsWhenItGoes() throws Exception {
        JsonBackend stable = backend(ParallelRunTest::stableAnswer);
        JsonBackend secondary = backend(ParallelRunTest::stableAnswer);
        JsonBackend candidate = backend(ParallelRunTest::candidateAnswer);
        String yaml = mesh(stable.port(), secondary.port(), candidate.port(), WITH_SECONDARY);
        ProxyServer p = proxy(yaml);
        for (int i = 0; i < 4; i++) send(p, "GET", "/changed/" + i, null);
        await().atMost(Duration.ofSeconds(10)).until(() -> field(p, "compared") == 4);

        p.update(translate(yaml.replace("  - name: main\n", "  - name: main\n    timeout: 20s\n")));
        for (int i = 0; i < 4; i++) send(p, "GET", "/changed/" + i, null);
        await().atMost(Duration.ofSeconds(10)).until(() -> field(p, "compared") == 8);
        assertThat(field(p, "mismatched")).isEqualTo(8);

        p.update(translate(mesh(stable.port(), secondary.port(), candidate.port(), null))); // the controller ended the run
        assertThat(run(p)).isNull();
        assertThat(admin(p, "/parallel-runs")).isEqualTo("{\"runs\":[]}");
        assertThat(admin(p, "/stats/prometheus")).doesNotContain("ficus_parallel_run_");
        long before = candidate.seen.size();
        for (int i = 0; i < 4; i++) assertThat(stable.sent).contains(send(p, "GET", "/after/" + i, null).body());
        assertThat(candidate.seen).hasSize((int) before);
    }
}
